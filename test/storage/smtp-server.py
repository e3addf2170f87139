"""A real aiosmtpd SMTP server for the email target tests.

Usage: smtp-server.py PORT MAILDIR [CERT KEY USER PASS]
Writes each message to MAILDIR/<n>.eml. With CERT/KEY it offers STARTTLS and requires
AUTH (PLAIN/LOGIN) with USER/PASS after TLS. Prints "ready" once listening.
"""
import asyncio
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class SaveToFolder:
    def __init__(self, folder):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.folder, f"{self.count:04d}.eml")
        with open(path + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(path + ".tmp", path)
        return "250 OK"


def main():
    port = int(sys.argv[1])
    folder = sys.argv[2]
    kwargs = {}
    if len(sys.argv) > 3:
        cert, key, user, password = sys.argv[3:7]
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == user.encode() and auth_data.password == password.encode()
            return AuthResult(success=ok, handled=False)  # handled=True (the default) would send no reply at all

        kwargs = dict(tls_context=context, require_starttls=True, authenticator=authenticator, auth_required=True)
    controller = Controller(SaveToFolder(folder), hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()  # runs until the test closes stdin or kills us
    finally:
        controller.stop()


main()
