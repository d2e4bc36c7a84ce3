package dev.conveyor.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conveyor.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A tenant's view of the API over real HTTP, as an SDK user would call it. */
final class ApiClient {
  record Response(int status, Map<String, java.util.List<String>> headers, String body) {
    JsonNode json() {
      return Json.parseTrusted(body);
    }

    String header(String name) {
      return headers.getOrDefault(name, java.util.List.of()).stream().findFirst().orElse(null);
    }
  }

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI apiUrl;
  private final String apiKey;

  ApiClient(URI apiUrl, String apiKey) {
    this.apiUrl = apiUrl;
    this.apiKey = apiKey;
  }

  Response post(String path, String json) {
    return send(
        HttpRequest.newBuilder(apiUrl.resolve(path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  Response get(String path) {
    return send(HttpRequest.newBuilder(apiUrl.resolve(path)).GET());
  }

  Response delete(String path) {
    return send(HttpRequest.newBuilder(apiUrl.resolve(path)).DELETE());
  }

  /** PUTs a file to a presigned URL with the headers the API said to send. */
  int put(URI url, Map<String, String> headers, byte[] content) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(url).PUT(HttpRequest.BodyPublishers.ofByteArray(content));
    headers.forEach(request::header);
    return sendRaw(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  byte[] download(URI url) {
    HttpResponse<byte[]> response =
        sendRaw(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("download failed with HTTP " + response.statusCode());
    }
    return response.body();
  }

  private Response send(HttpRequest.Builder request) {
    if (apiKey != null) {
      request.header("authorization", "Bearer " + apiKey);
    }
    HttpResponse<String> r =
        sendRaw(
            request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    return new Response(r.statusCode(), r.headers().map(), r.body());
  }

  private <T> HttpResponse<T> sendRaw(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(request, handler);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
