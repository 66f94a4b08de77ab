package io.canaryanalysis.alerts;

import java.util.Map;
import java.util.Objects;

/**
 * One AlertProvider ({@code flagger.app/v1beta1}, kind AlertProvider): its identity and
 * {@code spec}, field for field, so the manifest reader's type maps onto it directly.
 *
 * <p>The address (a webhook URL carries its credentials in the path or query) and the proxy
 * (which may carry a password) are secrets: {@link #toString()} shows neither.
 *
 * @param name the AlertProvider's {@code metadata.name}
 * @param namespace its namespace; also where {@code secretRef} is looked up
 * @param type {@code spec.type}
 * @param channel {@code spec.channel}; null or blank means Flagger's default {@code general}
 * @param username {@code spec.username}; null or blank means Flagger's default {@code flagger}
 * @param address {@code spec.address}, the hook URL; may be null when {@code secretRef} is set
 * @param proxy {@code spec.proxy}, an {@code http://[user:password@]host:port} proxy, or null
 * @param secretRef {@code spec.secretRef.name}: a Secret whose key {@code address} replaces
 *     {@code address} and whose optional key {@code token} is sent as a bearer token (to Slack, as
 *     Flagger does, and to a generic webhook), or null
 */
public record AlertProviderConfig(
    String name,
    String namespace,
    AlertProviderType type,
    String channel,
    String username,
    String address,
    String proxy,
    String secretRef) {

  /** Flagger's default {@code spec.channel}. */
  public static final String DEFAULT_CHANNEL = "general";
  /** Flagger's default {@code spec.username}. */
  public static final String DEFAULT_USERNAME = "flagger";

  public AlertProviderConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(type, "type");
    channel = blank(channel) ? DEFAULT_CHANNEL : channel;
    username = blank(username) ? DEFAULT_USERNAME : username;
    address = blank(address) ? null : address.strip();
    proxy = blank(proxy) ? null : proxy.strip();
    secretRef = blank(secretRef) ? null : secretRef.strip();
    if (address == null && secretRef == null) {
      throw new IllegalArgumentException("alert provider " + namespace + "/" + name
          + ": spec.address or spec.secretRef is required");
    }
  }

  /** A provider whose hook URL is given directly. */
  public static AlertProviderConfig of(String name, String namespace, AlertProviderType type,
      String address) {
    return new AlertProviderConfig(name, namespace, type, null, null, address, null, null);
  }

  /**
   * Reads an AlertProvider's {@code spec} as a JSON tree of maps (for example a fabric8
   * {@code GenericKubernetesResource}'s {@code spec}).
   *
   * @throws IllegalArgumentException naming the field, when {@code spec.type} is missing or
   *     unknown, a field is not a string, or neither {@code address} nor {@code secretRef} is set;
   *     the message never contains the address or proxy
   */
  public static AlertProviderConfig fromManifest(String name, String namespace, Map<String, ?> spec) {
    Objects.requireNonNull(spec, "spec");
    String where = "alert provider " + namespace + "/" + name + ": ";
    String typeText = text(spec, "type", where);
    if (typeText == null) {
      throw new IllegalArgumentException(where + "spec.type is required");
    }
    AlertProviderType type = AlertProviderType.fromManifest(typeText).orElseThrow(() ->
        new IllegalArgumentException(where + "spec.type: unsupported alert provider type \""
            + typeText + "\" (slack, msteams, discord, rocket, gchat or generic)"));
    Object secretRef = spec.get("secretRef");
    String secretName = null;
    if (secretRef != null) {
      if (!(secretRef instanceof Map)) {
        throw new IllegalArgumentException(where + "spec.secretRef: must be an object");
      }
      secretName = text((Map<?, ?>) secretRef, "name", where + "spec.secretRef.");
      if (secretName == null) {
        throw new IllegalArgumentException(where + "spec.secretRef.name is required");
      }
    }
    return new AlertProviderConfig(name, namespace, type, text(spec, "channel", where),
        text(spec, "username", where), text(spec, "address", where), text(spec, "proxy", where),
        secretName);
  }

  private static String text(Map<?, ?> map, String key, String where) {
    Object value = map.get(key);
    if (value == null || value instanceof String) {
      return (String) value;
    }
    throw new IllegalArgumentException(where + (where.endsWith(".") ? "" : "spec.") + key
        + ": must be a string");
  }

  /** {@code namespace/name}, as messages name the provider. */
  public String key() {
    return namespace + "/" + name;
  }

  public AlertProviderConfig withChannel(String newChannel) {
    return new AlertProviderConfig(name, namespace, type, newChannel, username, address, proxy,
        secretRef);
  }

  public AlertProviderConfig withUsername(String newUsername) {
    return new AlertProviderConfig(name, namespace, type, channel, newUsername, address, proxy,
        secretRef);
  }

  public AlertProviderConfig withProxy(String newProxy) {
    return new AlertProviderConfig(name, namespace, type, channel, username, address, newProxy,
        secretRef);
  }

  public AlertProviderConfig withSecretRef(String newSecretRef) {
    return new AlertProviderConfig(name, namespace, type, channel, username, address, proxy,
        newSecretRef);
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }

  @Override
  public String toString() {
    return "AlertProviderConfig[" + key() + ", type=" + type.manifestValue() + ", channel="
        + channel + ", username=" + username + ", address=" + (address == null ? "none" : "***")
        + ", proxy=" + (proxy == null ? "none" : "***") + ", secretRef="
        + (secretRef == null ? "none" : secretRef) + "]";
  }
}
