package dev.conveyor.emulators;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.blobstore.ForwardingBlobStore;
import org.gaul.s3proxy.blobstore.domain.MultipartUpload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadResponse;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.CopyObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * S3 for tests and the local stack: S3Proxy on 127.0.0.1 with SigV4 checked against one credential
 * pair, so signed requests and presigned URLs (including expiry and tampering) fail as they would
 * on AWS. Clients must use path-style addressing.
 *
 * <p>S3Proxy emits no bucket notifications. This class watches every successful object creation
 * (PutObject, presigned PUT, CopyObject, CompleteMultipartUpload) at S3Proxy's storage layer and
 * hands an {@link S3ObjectCreated} to the registered listeners on its own thread, once the object
 * is readable, which is what the deployed stack gets from S3 event notifications.
 */
public final class EmbeddedS3 implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedS3.class);

  private final S3Proxy proxy;
  private final BlobStore store;
  private final Events events;
  private final URI endpoint;
  private volatile boolean closed;

  private EmbeddedS3(S3Proxy proxy, BlobStore store, Events events) {
    this.proxy = proxy;
    this.store = store;
    this.events = events;
    this.endpoint = URI.create("http://" + Ports.LOOPBACK + ":" + proxy.getPort());
  }

  /**
   * Starts S3Proxy on 127.0.0.1 with an in-memory store, accepting the credentials of {@link
   * EmbeddedServices#ACCESS_KEY_ID} and {@link EmbeddedServices#SECRET_ACCESS_KEY}.
   *
   * @param port the port, or 0 for a free one
   */
  public static EmbeddedS3 start(int port) {
    return start(port, null, EmbeddedServices.ACCESS_KEY_ID, EmbeddedServices.SECRET_ACCESS_KEY);
  }

  /**
   * Starts S3Proxy on 127.0.0.1.
   *
   * @param port the port, or 0 for a free one
   * @param dataDir where objects are kept across restarts, or {@code null} to keep them in memory
   * @param accessKeyId the only access key accepted
   * @param secretAccessKey its secret, against which SigV4 signatures are checked
   */
  public static EmbeddedS3 start(
      int port, Path dataDir, String accessKeyId, String secretAccessKey) {
    Objects.requireNonNull(accessKeyId, "accessKeyId");
    Objects.requireNonNull(secretAccessKey, "secretAccessKey");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    Events events = new Events();
    BlobStore store = null;
    S3Proxy proxy = null;
    try {
      store = newStore(dataDir);
      BlobStore notifying = new NotifyingBlobStore(store, events::publish);
      proxy =
          S3Proxy.builder()
              .blobStore(notifying)
              .endpoint(URI.create("http://" + Ports.LOOPBACK + ":" + port))
              .awsAuthentication(AuthenticationType.AWS_V4, accessKeyId, secretAccessKey)
              .jettyMaxThreads(32)
              // No graceful wait for idle keep-alive connections of SDK clients: stop at once.
              .stopTimeout(0)
              .build();
      proxy.start();
      waitUntilStarted(proxy);
      EmbeddedS3 s3 = new EmbeddedS3(proxy, store, events);
      log.debug("S3Proxy listening on {}", s3.endpoint);
      return s3;
    } catch (Exception e) {
      stopQuietly(proxy);
      closeQuietly(store);
      events.close();
      throw new IllegalStateException("S3Proxy did not start on port " + port, e);
    }
  }

  private static BlobStore newStore(Path dataDir) throws IOException {
    Properties properties = new Properties();
    if (dataDir == null) {
      return BlobStores.create("transient-nio2", properties);
    }
    Files.createDirectories(dataDir);
    properties.setProperty("jclouds.filesystem.basedir", dataDir.toAbsolutePath().toString());
    return BlobStores.create("filesystem-nio2", properties);
  }

  private static void waitUntilStarted(S3Proxy proxy) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("S3Proxy state " + proxy.getState());
      }
      Thread.sleep(5);
    }
  }

  /** The S3 endpoint for {@code endpointOverride} (with path-style access). */
  public URI endpoint() {
    return endpoint;
  }

  /** The port S3Proxy listens on. */
  public int port() {
    return endpoint.getPort();
  }

  /**
   * Registers a listener for object creations. Listeners run one at a time, in creation order, on a
   * thread of this emulator; an exception thrown by one is logged and does not stop the others.
   */
  public void onObjectCreated(Consumer<S3ObjectCreated> listener) {
    events.listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Stops S3Proxy; events already queued are still delivered. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    stopQuietly(proxy);
    closeQuietly(store);
    events.close();
  }

  private static void stopQuietly(S3Proxy proxy) {
    if (proxy == null) {
      return;
    }
    try {
      proxy.stop();
    } catch (Exception e) {
      log.warn("S3Proxy did not stop cleanly", e);
    }
  }

  private static void closeQuietly(BlobStore store) {
    if (store == null) {
      return;
    }
    try {
      store.close();
    } catch (RuntimeException e) {
      log.debug("S3Proxy's blob store did not close cleanly", e);
    }
  }

  /** Delivers creations to the listeners, one at a time and in order, off the request thread. */
  private static final class Events {

    final List<Consumer<S3ObjectCreated>> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService executor =
        Executors.newSingleThreadExecutor(runnable -> {
          Thread thread = new Thread(runnable, "s3-object-created-events");
          thread.setDaemon(true);
          return thread;
        });

    void publish(S3ObjectCreated created) {
      if (listeners.isEmpty()) {
        return;
      }
      try {
        executor.execute(() -> deliver(created));
      } catch (RejectedExecutionException e) {
        log.debug("S3 emulator closed; dropped {}", created);
      }
    }

    private void deliver(S3ObjectCreated created) {
      for (Consumer<S3ObjectCreated> listener : listeners) {
        try {
          listener.accept(created);
        } catch (RuntimeException e) {
          log.warn("S3 object-created listener failed for {}", created, e);
        }
      }
    }

    /** Lets queued events finish on the (daemon) thread; takes no new ones. */
    void close() {
      executor.shutdown();
    }
  }

  /**
   * Observes object creations where S3Proxy stores them. A subclass of S3Proxy's own {@link
   * ForwardingBlobStore}, which S3Proxy unwraps wherever it needs the real store's type.
   */
  static final class NotifyingBlobStore extends ForwardingBlobStore {

    private static final String MULTIPART_STUB_PREFIX = ".s3proxy-mpu-stub-";

    private final Consumer<S3ObjectCreated> sink;

    NotifyingBlobStore(BlobStore delegate, Consumer<S3ObjectCreated> sink) {
      super(delegate);
      this.sink = sink;
    }

    @Override
    public PutObjectResponse putBlob(PutObjectRequest request, InputStream content) {
      PutObjectResponse response = super.putBlob(request, content);
      created(request.bucket(), request.key());
      return response;
    }

    @Override
    public CopyObjectResponse copyBlob(CopyObjectRequest request) {
      CopyObjectResponse response = super.copyBlob(request);
      created(request.destinationBucket(), request.destinationKey());
      return response;
    }

    @Override
    public CompleteMultipartUploadResponse completeMultipartUpload(
        MultipartUpload upload, CompleteMultipartUploadRequest request) {
      CompleteMultipartUploadResponse response = super.completeMultipartUpload(upload, request);
      created(upload.containerName(), upload.blobName());
      return response;
    }

    private void created(String bucket, String key) {
      if (key.startsWith(MULTIPART_STUB_PREFIX)) {
        return; // S3Proxy's own bookkeeping for an open multipart upload, invisible to clients
      }
      Instant now = Instant.now();
      HeadObjectResponse head;
      try {
        // Read back here, on the request thread: the event describes the object just written.
        head = delegate().blobMetadata(bucket, key);
      } catch (RuntimeException e) {
        log.debug("object {}/{} vanished before its creation event", bucket, key, e);
        return;
      }
      if (head == null) {
        return;
      }
      sink.accept(
          new S3ObjectCreated(
              bucket,
              key,
              head.contentLength() == null ? 0 : head.contentLength(),
              unquote(head.eTag()),
              head.contentType(),
              now));
    }

    private static String unquote(String eTag) {
      if (eTag != null && eTag.length() >= 2 && eTag.startsWith("\"") && eTag.endsWith("\"")) {
        return eTag.substring(1, eTag.length() - 1);
      }
      return eTag;
    }
  }
}
