// A mail ackd sends, written by GMime so that its headers and body are encoded as MIME says.

#include <memory>
#include <mutex>
#include <string>

#include "ackd/mail/message.hpp"
#include "mail/gmime.hpp"

namespace ackd::mail {
namespace {

using detail::Owned;

// A header's value on one line: a line break from what a customer wrote (a subject, an id)
// would start a header of their choosing.
std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  }
  return out;
}

std::string angle(const std::string& id) {
  return "<" + one_line(id) + ">";
}

}  // namespace

bool usable_address(std::string_view address) {
  return address.find('@') != std::string_view::npos &&
         address.find_first_of(std::string_view(" \t\r\n<>\0", 7)) == std::string_view::npos;
}

std::string reply_subject(std::string_view subject) {
  std::string_view rest = subject;
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  if (rest.size() >= 3 && (rest[0] == 'R' || rest[0] == 'r') &&
      (rest[1] == 'E' || rest[1] == 'e') && rest[2] == ':') {
    return std::string(rest);
  }
  return "Re: " + std::string(rest);
}

std::string compose(const Outgoing& mail) {
  detail::ensure_gmime();
  const char* charset = mail.iso_2022_jp ? "iso-2022-jp" : "utf-8";
  Owned<GMimeMessage> message(g_mime_message_new(TRUE));
  GMimeObject* top = GMIME_OBJECT(message.get());
  if (InternetAddressList* from = internet_address_list_parse(nullptr, mail.from.c_str())) {
    internet_address_list_append(g_mime_message_get_from(message.get()), from);
    g_object_unref(from);
  }
  g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_TO,
                             mail.to_name.empty() ? nullptr : one_line(mail.to_name).c_str(),
                             one_line(mail.to_address).c_str());
  for (const auto& address : mail.also_to) {
    g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_TO, nullptr,
                               one_line(address).c_str());
  }
  g_mime_message_set_subject(message.get(), one_line(mail.subject).c_str(), charset);
  g_mime_message_set_message_id(message.get(), one_line(mail.message_id).c_str());
  GDateTime* date = g_date_time_new_from_unix_utc(mail.date.time_since_epoch().count());
  g_mime_message_set_date(message.get(), date);
  g_date_time_unref(date);
  if (!mail.in_reply_to.empty()) {
    g_mime_object_set_header(top, "In-Reply-To", angle(mail.in_reply_to).c_str(), nullptr);
  }
  if (!mail.references.empty()) {
    std::string references;
    for (const auto& id : mail.references)
      references += (references.empty() ? "" : " ") + angle(id);
    g_mime_object_set_header(top, "References", references.c_str(), nullptr);
  }
  g_mime_object_set_header(top, "Auto-Submitted", mail.auto_submitted.c_str(), nullptr);

  Owned<GMimeTextPart> body(g_mime_text_part_new_with_subtype("plain"));
  if (mail.iso_2022_jp) {
    const std::string jis = from_utf8(mail.text, "ISO-2022-JP");
    Owned<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(jis.data(), jis.size()));
    Owned<GMimeDataWrapper> content(
        g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
    g_mime_part_set_content(GMIME_PART(body.get()), content.get());
    g_mime_object_set_content_type_parameter(GMIME_OBJECT(body.get()), "charset", "ISO-2022-JP");
    g_mime_part_set_content_encoding(GMIME_PART(body.get()), GMIME_CONTENT_ENCODING_7BIT);
  } else {
    g_mime_text_part_set_text(body.get(), mail.text.c_str());
    g_mime_text_part_set_charset(body.get(), "utf-8");
    // Base64 keeps every line short and every byte safe, whatever the text.
    g_mime_part_set_content_encoding(GMIME_PART(body.get()), GMIME_CONTENT_ENCODING_BASE64);
  }
  if (mail.attachments.empty()) {
    g_mime_message_set_mime_part(message.get(), GMIME_OBJECT(body.get()));
  } else {
    Owned<GMimeMultipart> mixed(g_mime_multipart_new_with_subtype("mixed"));
    g_mime_multipart_add(mixed.get(), GMIME_OBJECT(body.get()));
    for (const auto& a : mail.attachments) {
      const auto slash = a.content_type.find('/');
      Owned<GMimeTextPart> part(g_mime_text_part_new_with_subtype(
          slash == std::string::npos ? "plain" : a.content_type.substr(slash + 1).c_str()));
      g_mime_text_part_set_text(part.get(), a.content.c_str());
      g_mime_text_part_set_charset(part.get(), "utf-8");
      g_mime_part_set_content_encoding(GMIME_PART(part.get()), GMIME_CONTENT_ENCODING_BASE64);
      g_mime_part_set_filename(GMIME_PART(part.get()), one_line(a.filename).c_str());
      g_mime_multipart_add(mixed.get(), GMIME_OBJECT(part.get()));
    }
    g_mime_message_set_mime_part(message.get(), GMIME_OBJECT(mixed.get()));
  }

  GMimeFormatOptions* format = g_mime_format_options_new();
  g_mime_format_options_set_newline_format(format, GMIME_NEWLINE_FORMAT_DOS);
  char* text = g_mime_object_to_string(top, format);
  g_mime_format_options_free(format);
  std::string out = text ? text : "";
  g_free(text);
  return out;
}

}  // namespace ackd::mail
