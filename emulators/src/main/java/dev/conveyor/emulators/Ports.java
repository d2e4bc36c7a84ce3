package dev.conveyor.emulators;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free loopback ports, for emulators that cannot bind port 0 themselves. */
final class Ports {

  static final String LOOPBACK = "127.0.0.1";

  private Ports() {}

  /** The given port, or a port that was free on 127.0.0.1 a moment ago when it is 0. */
  static int orFree(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    return port != 0 ? port : free();
  }

  static int free() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + LOOPBACK, e);
    }
  }
}
