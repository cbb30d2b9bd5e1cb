"""Send one email through an SMTP server with smtplib; classify failures as transient or permanent."""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses

from crawler.errors import EduwatchError

log = logging.getLogger(__name__)

SECURITY_MODES = ("none", "starttls", "ssl")


class SendError(EduwatchError):
    """An email could not be sent; the message says what was wrong and what to do."""


class TransientSendError(SendError):
    """Worth retrying later: server down, timeout, 4xx reply."""

    def __init__(self, message: str, *, unreachable: bool = False):
        super().__init__(message)
        self.unreachable = unreachable  # no SMTP conversation at all: other messages would fail the same way


class PermanentSendError(SendError):
    """Retrying will not help until someone fixes the config or the address: 5xx, refused recipient, bad TLS."""


class SmtpConfigError(EduwatchError, ValueError):
    """The [smtp] settings are unusable as given."""


@dataclass
class SmtpSettings:
    host: str
    port: int
    security: str = "none"  # "none" | "starttls" | "ssl"
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never printed or logged
    sender: str = ""
    timeout: float = 30
    ca_file: str | None = None  # extra CA bundle to trust (self-signed relay); None = system store

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise SmtpConfigError(
                f"[smtp] security = {self.security!r} is not one of none, starttls, ssl; "
                "use ssl for port 465, starttls for 587, none for a local relay"
            )
        if not self.host or not isinstance(self.port, int) or not 0 < self.port < 65536:
            raise SmtpConfigError(f"[smtp] host/port invalid ({self.host!r}:{self.port!r}); set host and a port 1-65535")
        if not self.sender:
            raise SmtpConfigError("[smtp] sender is empty; set sender = \"eduwatch@your.domain\"")

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """Verifying TLS context; a private CA file can be added for self-signed relays."""
    context = ssl.create_default_context()
    if settings.ca_file:
        context.load_verify_locations(cafile=settings.ca_file)
    return context


def recipients_of(msg: EmailMessage) -> list[str]:
    return [addr for _, addr in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", [])) if addr]


def send_message(settings: SmtpSettings, msg: EmailMessage) -> None:
    """Deliver `msg` to its To/Cc recipients, or raise TransientSendError / PermanentSendError."""
    to = recipients_of(msg)
    if not to:
        raise PermanentSendError("the message has no recipient address; check the alert's recipients")
    try:
        _deliver(settings, msg, to)
    except SendError:
        raise
    except smtplib.SMTPException as exc:
        raise classify_smtp_error(exc, settings) from None
    except (ssl.SSLError, ssl.CertificateError) as exc:
        raise PermanentSendError(
            f"TLS with {settings.where} failed: {exc}; check security (ssl for 465, starttls for 587) "
            "and the server certificate"
        ) from None
    except OSError as exc:
        raise classify_os_error(exc, settings) from None
    log.info("sent %s to %d recipient(s) via %s", msg.get("Message-ID"), len(to), settings.where)


def _deliver(settings: SmtpSettings, msg: EmailMessage, to: list[str]) -> None:
    if settings.security == "ssl":
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                  context=tls_context(settings))
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        if settings.security == "starttls":
            client.starttls(context=tls_context(settings))
        if settings.username:
            _login(client, settings)
        refused = client.send_message(msg, from_addr=settings.sender, to_addrs=to)
    if refused:
        log.warning("some recipients of %s were refused: %s", msg.get("Message-ID"), sorted(refused))


def _login(client: smtplib.SMTP, settings: SmtpSettings) -> None:
    if settings.password is None:
        raise PermanentSendError(
            f"[smtp] username {settings.username!r} is set but no password was found; "
            "set the variable named by password_env"
        )
    client.login(settings.username, settings.password)


def classify_smtp_error(exc: smtplib.SMTPException, settings: SmtpSettings) -> SendError:
    """4xx and dropped connections are transient; 5xx, refused recipients and bad logins are permanent."""
    where = settings.where
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = {addr: code for addr, (code, _) in exc.recipients.items()}
        detail = "; ".join(f"{a}: {c} {_text(r)}" for a, (c, r) in exc.recipients.items())
        if all(400 <= c < 500 for c in codes.values()):
            return TransientSendError(f"{where} deferred the recipients ({detail}); will retry")
        return PermanentSendError(f"{where} refused the recipient(s) ({detail}); check the address in the config")
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return PermanentSendError(f"{where} rejected the login ({exc.smtp_code}); check username and password_env")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return PermanentSendError(f"{where}: {exc}; the server lacks that feature, check [smtp] security")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return TransientSendError(f"{where} closed the connection ({exc}); will retry")
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if 400 <= exc.smtp_code < 500:
            return TransientSendError(f"{where} answered {reply}; will retry")
        return PermanentSendError(f"{where} answered {reply}; fix the sender/recipient or server config")
    return TransientSendError(f"SMTP error with {where}: {exc}; will retry")


def classify_os_error(exc: OSError, settings: SmtpSettings) -> TransientSendError:
    """Network trouble is always worth a retry; the message names the cause."""
    where = settings.where
    if isinstance(exc, ConnectionRefusedError):
        message = f"connection to {where} refused: is the SMTP server running? will retry"
    elif isinstance(exc, TimeoutError | socket.timeout):
        message = f"no answer from {where} within {settings.timeout}s; will retry"
    elif isinstance(exc, socket.gaierror):
        message = f"cannot resolve SMTP host {settings.host!r} ({exc}); check [smtp] host"
    else:
        message = f"network error talking to {where}: {exc}; will retry"
    return TransientSendError(message, unreachable=True)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
