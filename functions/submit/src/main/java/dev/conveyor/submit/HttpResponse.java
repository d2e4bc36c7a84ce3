package dev.conveyor.submit;

import java.util.Map;

public record HttpResponse(int status, Map<String, String> headers, String body) {}
