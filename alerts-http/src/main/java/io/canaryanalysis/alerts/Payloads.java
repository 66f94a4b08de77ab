package io.canaryanalysis.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Each service's JSON body, field for field as Flagger's {@code pkg/notifier} marshals it
 * (v1.44.0: {@code slack.go}, {@code discord.go}, {@code rocket.go} share Slack's attachment
 * shape; {@code teams.go} is an Office 365 MessageCard; {@code gchat.go} is a Chat card).
 */
final class Payloads {
  private Payloads() {}

  static ObjectNode build(ObjectMapper mapper, AlertProviderType type, String channel,
      String username, AlertMessage m) {
    switch (type) {
      case SLACK:
      case DISCORD:
        return slack(mapper, channel, username, m, m.isError() ? "danger" : "good");
      case ROCKET:
        return slack(mapper, channel, username, m, m.isError() ? "#FF0000" : "#0076D7");
      case MSTEAMS:
        return teams(mapper, m);
      case GCHAT:
        return gchat(mapper, m);
      case GENERIC:
        return generic(mapper, m);
      default:
        throw new IllegalArgumentException("unknown alert provider type " + type);
    }
  }

  /** {@code SlackPayload}: also Discord's {@code /slack} endpoint and Rocket.Chat's. */
  private static ObjectNode slack(ObjectMapper mapper, String channel, String username,
      AlertMessage m, String color) {
    ObjectNode payload = mapper.createObjectNode();
    payload.put("channel", channel);
    payload.put("username", username);
    payload.put("icon_url", "");
    payload.put("icon_emoji", ":rocket:");
    ObjectNode attachment = payload.putArray("attachments").addObject();
    attachment.put("color", color);
    attachment.put("author_name", m.subject());
    attachment.put("text", m.message());
    attachment.putArray("mrkdwn_in").add("text");
    ArrayNode fields = attachment.putArray("fields");
    for (AlertMessage.Field f : m.fields()) {
      fields.addObject().put("title", f.name()).put("value", f.value()).put("short", false);
    }
    return payload;
  }

  private static ObjectNode teams(ObjectMapper mapper, AlertMessage m) {
    ObjectNode payload = mapper.createObjectNode();
    payload.put("@type", "MessageCard");
    payload.put("@context", "http://schema.org/extensions");
    payload.put("themeColor", m.isError() ? "FF0000" : "0076D7");
    payload.put("summary", m.subject());
    ObjectNode section = payload.putArray("sections").addObject();
    section.put("activityTitle", m.message());
    section.put("activitySubtitle", m.subject());
    ArrayNode facts = section.putArray("facts");
    for (AlertMessage.Field f : m.fields()) {
      facts.addObject().put("name", f.name()).put("value", f.value());
    }
    return payload;
  }

  private static ObjectNode gchat(ObjectMapper mapper, AlertMessage m) {
    ObjectNode payload = mapper.createObjectNode();
    ObjectNode card = payload.putArray("cards").addObject();
    card.putObject("header")
        .put("title", "Flagger")
        .put("subtitle", m.subject())
        .put("imageUrl", "https://flagger.app/favicon.png");
    ArrayNode sections = card.putArray("sections");
    paragraph(sections, "<font color=#848484><strong>" + m.message() + "</strong></font>");
    for (AlertMessage.Field f : m.fields()) {
      paragraph(sections, f.name() + "<br><font color=#848484><strong>" + f.value()
          + "</strong></font>");
    }
    return payload;
  }

  private static void paragraph(ArrayNode sections, String text) {
    sections.addObject().putArray("widgets").addObject().putObject("textParagraph")
        .put("text", text);
  }

  private static ObjectNode generic(ObjectMapper mapper, AlertMessage m) {
    ObjectNode payload = mapper.createObjectNode();
    payload.put("name", m.workload());
    payload.put("namespace", m.namespace());
    payload.put("severity", m.severity());
    payload.put("message", m.message());
    ArrayNode fields = payload.putArray("fields");
    for (AlertMessage.Field f : m.fields()) {
      fields.addObject().put("name", f.name()).put("value", f.value());
    }
    if (m.time() != null) {
      payload.put("timestamp", m.time().toString());
    }
    return payload;
  }
}
