package dev.conveyor.core.tenant;

import dev.conveyor.core.job.TenantId;

public record Tenant(TenantId id, String name) {}
