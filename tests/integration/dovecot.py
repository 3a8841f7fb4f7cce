"""A real Dovecot IMAP server (Debian's dovecot-imapd) on 127.0.0.1 for the mailbox tests:
its own configuration, passwords and maildirs in a temporary directory, IMAPS and IMAP with
STARTTLS on free ports, started and stopped by the test."""
import base64
import imaplib
import os
import pwd
import shutil
import ssl
import subprocess
import tempfile

from harness import TLS_DATA, free_port, wait_until

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "support@example.com"
PASSWORD = "imap-s3cret"


def utf7(name):
    """A mailbox name in IMAP's modified UTF-7 (RFC 3501, 5.1.3), quoted."""
    out, pending = "", ""

    def flush():
        nonlocal out, pending
        if pending:
            encoded = base64.b64encode(pending.encode("utf-16-be")).decode().rstrip("=")
            out += "&" + encoded.replace("/", ",") + "-"
            pending = ""

    for c in name:
        if 0x20 <= ord(c) <= 0x7e:
            flush()
            out += "&-" if c == "&" else c
        else:
            pending += c
    flush()
    return '"' + out + '"'


def available():
    return os.path.exists(DOVECOT)


class Dovecot:
    def __init__(self, oauth_introspection_url=None, capabilities=None):
        """`capabilities`: what the server says it offers after login (e.g. "IMAP4rev1
        UIDPLUS", no IDLE or MOVE), to try a client's fallbacks."""
        self.dir = tempfile.mkdtemp(prefix="ackd-dovecot-")
        os.chmod(self.dir, 0o755)
        self.imap_port = free_port()
        self.imaps_port = free_port()
        # Mail is kept by an unprivileged user: Dovecot's own when run as root.
        account = pwd.getpwnam("dovecot") if os.getuid() == 0 else pwd.getpwuid(os.getuid())
        me = pwd.getpwuid(os.getuid()).pw_name
        home = os.path.join(self.dir, "home")
        os.makedirs(home)
        os.chown(home, account.pw_uid, account.pw_gid)
        with open(os.path.join(self.dir, "passwd"), "w") as f:
            f.write(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        tls = os.path.abspath(TLS_DATA)
        oauth = ""
        mechanisms = "plain login"
        if oauth_introspection_url:
            # XOAUTH2 tokens checked by the identity provider's introspection endpoint.
            with open(os.path.join(self.dir, "oauth2.conf"), "w") as f:
                f.write(f"introspection_mode = post\n"
                        f"introspection_url = {oauth_introspection_url}\n"
                        f"username_attribute = username\n"
                        f"active_attribute = active\nactive_value = true\n")
            oauth = (f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2\n"
                     f"  args = {self.dir}/oauth2.conf\n}}\n")
            mechanisms += " xoauth2"
        offered = f"imap_capability = {capabilities}\n" if capabilities else ""
        not_root = "" if os.getuid() == 0 else (
            f"default_internal_user = {me}\ndefault_login_user = {me}\n")
        with open(os.path.join(self.dir, "dovecot.conf"), "w") as f:
            f.write(f"""base_dir = {self.dir}/run
state_dir = {self.dir}/state
log_path = {self.dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{tls}/server.pem
ssl_key = <{tls}/server-key.pem
auth_mechanisms = {mechanisms}
disable_plaintext_auth = yes
first_valid_uid = 1
{offered}{not_root}{oauth}passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {self.dir}/passwd
}}
userdb {{
  driver = static
  args = uid={account.pw_uid} gid={account.pw_gid} home={home}/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
""")
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", os.path.join(self.dir, "dovecot.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        if not wait_until(self._listening, timeout=15):
            raise RuntimeError("dovecot did not start:\n" + self.read_log())
        return self

    def _listening(self):
        try:
            self.client().logout()
            return True
        except OSError:
            return False

    def read_log(self):
        try:
            with open(os.path.join(self.dir, "dovecot.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def client(self, folder=None):
        """A logged-in imaplib client over IMAPS, with `folder` selected."""
        context = ssl.create_default_context(cafile=os.path.join(TLS_DATA, "ca.pem"))
        imap = imaplib.IMAP4_SSL("127.0.0.1", self.imaps_port, ssl_context=context, timeout=10)
        imap.login(USER, PASSWORD)
        if folder:
            imap.select(folder)
        return imap

    def deliver(self, raw, folder="INBOX", flags=None):
        """Puts a mail into the folder (IMAP APPEND), as a mail server's delivery would."""
        imap = self.client()
        try:
            status, _ = imap.append(folder, flags, None, raw)
            assert status == "OK", status
        finally:
            imap.logout()

    def create(self, folder):
        imap = self.client()
        try:
            status, _ = imap.create(utf7(folder))
            assert status == "OK", status
        finally:
            imap.logout()

    def flags(self, folder="INBOX"):
        """{uid: flags text} of the folder's messages."""
        imap = self.client(folder)
        try:
            status, data = imap.uid("FETCH", "1:*", "(UID FLAGS)")
            out = {}
            for item in data:
                if not item:
                    continue
                text = item.decode() if isinstance(item, bytes) else item[0].decode()
                uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                out[uid] = text.split("FLAGS (")[1].split(")")[0]
            return out
        finally:
            imap.logout()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, True)
