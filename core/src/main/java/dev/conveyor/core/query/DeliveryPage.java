package dev.conveyor.core.query;

import dev.conveyor.core.webhook.Delivery;
import java.util.List;

/**
 * One page of an endpoint's deliveries, newest first.
 *
 * @param next where the next page starts, or null when this is the last page
 */
public record DeliveryPage(List<Delivery> deliveries, DeliveryCursor next) {
  public DeliveryPage {
    deliveries = List.copyOf(deliveries);
  }
}
