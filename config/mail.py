"""The demo's email: printed to the terminal as a person reads it."""

from django.core.mail.backends.console import EmailBackend


class ReadableConsoleBackend(EmailBackend):
    """Django's console backend with text bodies in 8-bit instead of quoted-printable,
    so that a link prints whole, without `=` breaks, and can be clicked or copied."""

    def write_message(self, message):
        msg = message.message()
        for part in msg.walk():
            if (
                part.get_content_maintype() == "text"
                and not part.is_multipart()
                and part.get_content_disposition() != "attachment"
            ):
                part.set_content(part.get_content(), subtype=part.get_content_subtype(), cte="8bit")
        # utf8: headers (the subject) printed as written, not RFC 2047-encoded.
        text = msg.as_bytes(policy=msg.policy.clone(utf8=True)).decode("utf-8", "replace")
        self.stream.write(text + "\n")
        self.stream.write("-" * 79 + "\n")
