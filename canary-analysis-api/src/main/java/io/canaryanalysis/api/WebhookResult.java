package io.canaryanalysis.api;

import java.util.Objects;

/**
 * The answer to a webhook call: an HTTP response, or a transport failure (timeout, refused).
 * Only status 200, 201 and 202 pass, as in Flagger (a 204 fails).
 */
public sealed interface WebhookResult permits WebhookResult.Response, WebhookResult.TransportFailure {

  /** True for HTTP 200–202. */
  boolean passed();

  /** The text Flagger shows for a failure: the response body, or the transport error. */
  String detail();

  /** An HTTP response; {@code body} may be truncated by the caller. */
  record Response(int status, String body) implements WebhookResult {
    public Response {
      body = body == null ? "" : body;
    }

    @Override
    public boolean passed() {
      return status >= 200 && status <= 202;
    }

    @Override
    public String detail() {
      return body.isEmpty() ? "status " + status : body;
    }
  }

  /** No usable response: timeout, connection refused, TLS failure. */
  record TransportFailure(String error) implements WebhookResult {
    public TransportFailure {
      Objects.requireNonNull(error, "error");
    }

    @Override
    public boolean passed() {
      return false;
    }

    @Override
    public String detail() {
      return error;
    }
  }

  static WebhookResult status(int status) {
    return new Response(status, "");
  }

  static WebhookResult status(int status, String body) {
    return new Response(status, body);
  }

  static WebhookResult transportFailure(String error) {
    return new TransportFailure(error);
  }
}
