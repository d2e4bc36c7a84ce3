package dev.conveyor.adapters.lambda;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** Records what one class logs (through SLF4J, bound to log4j2) while a test runs. */
final class CapturedLogs implements AutoCloseable {

  private final List<LogEvent> events = new CopyOnWriteArrayList<>();
  private final Logger logger;
  private final Level previousLevel;
  private final AbstractAppender appender;

  CapturedLogs(Class<?> source) {
    logger = LoggerContext.getContext(false).getLogger(source.getName());
    previousLevel = logger.getLevel();
    appender =
        new AbstractAppender(
            "captured-" + source.getSimpleName(), null, null, true, Property.EMPTY_ARRAY) {
          @Override
          public void append(LogEvent event) {
            events.add(event.toImmutable());
          }
        };
    appender.start();
    logger.addAppender(appender);
    logger.setLevel(Level.DEBUG);
  }

  List<LogEvent> events() {
    return List.copyOf(events);
  }

  List<LogEvent> at(Level level) {
    return events.stream().filter(e -> e.getLevel() == level).toList();
  }

  /** Everything logged, messages and stack traces, as one text. */
  String allText() {
    StringBuilder text = new StringBuilder();
    for (LogEvent event : events) {
      text.append(event.getMessage().getFormattedMessage()).append('\n');
      for (Throwable t = event.getThrown(); t != null; t = t.getCause()) {
        text.append(t).append('\n');
      }
    }
    return text.toString();
  }

  @Override
  public void close() {
    logger.removeAppender(appender);
    logger.setLevel(previousLevel);
    appender.stop();
  }
}
