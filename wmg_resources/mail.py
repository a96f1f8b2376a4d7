"""Mail over SMTP (the framework's `send_mail`): plain or HTML, an optional attachment; the
server and port from the step's parameters (`smtp_server`, `smtp_port`), STARTTLS and a login
when given (the password from `EnvVar` or Secrets Manager, never logged)."""

import logging
import mimetypes
import smtplib
from email.message import EmailMessage
from pathlib import Path

log = logging.getLogger(__name__)


def send_mail(
    from_email: str,
    to_email: str | list[str],
    subject: str,
    body: str,
    attachment_path: str | Path | None = None,
    msg_type: str = "plain",
    smtp_server: str = "localhost",
    smtp_port: int = 25,
    starttls: bool = False,
    username: str | None = None,
    password: str | None = None,
) -> None:
    """Send one message; `to_email` a list or a comma-separated string."""
    if msg_type not in ("plain", "html"):
        raise ValueError(f"msg_type {msg_type!r}: plain or html")
    recipients = (
        to_email
        if isinstance(to_email, list)
        else [a.strip() for a in to_email.split(",") if a.strip()]
    )
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = from_email, ", ".join(recipients), subject
    message.set_content(body, subtype=msg_type)
    if attachment_path is not None:
        path = Path(attachment_path)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        main, sub = kind.split("/", 1)
        message.add_attachment(path.read_bytes(), maintype=main, subtype=sub, filename=path.name)
    with smtplib.SMTP(smtp_server, int(smtp_port), timeout=30) as smtp:
        if starttls:
            smtp.starttls()
        if username:
            smtp.login(username, password or "")
        smtp.send_message(message, to_addrs=recipients)
    log.info(
        "mail %r sent to %d recipient(s) through %s:%s",
        subject,
        len(recipients),
        smtp_server,
        smtp_port,
    )
