#!/usr/bin/env python3
"""The shared helpers of the shop's scripts: scripts/scan.sh (the security
scan) and bench/run.sh (the benchmark) call this module instead of each
keeping copies of their own. Standard library only; loopback only.

- processes: start the shop (or any server) on a free loopback port, wait
  until it answers, stop it (SIGTERM, then wait);
- a client of the shop: its cookies in a small JSON file (the "jar"), a
  form page's CSRF token, form posts, a customer registered (its address
  confirmed through /dev/mail) and signed in with products in the cart;
- the shop's access log, written as JSON (LOG_FORMAT=json): the requests
  logged, filtered by method, path and status, counted or listed;
- a JSON file's fields (wrk's line of figures), ratios;
- scan.sh's judge of a wapiti report, and wapiti kept on loopback.

From a script, one subcommand a call (`python3 scripts/shop.py --help`):

    out=$(python3 scripts/shop.py start --dir DIR --log FILE BIN VAR=VALUE)  # "PID URL"
    python3 scripts/shop.py client JAR URL
    python3 scripts/shop.py post JAR /cart/items product_id=1 quantity=1 \\
        csrf_token="$(python3 scripts/shop.py token JAR /cart)"
    python3 scripts/shop.py requests FILE --method POST --status 403
    python3 scripts/shop.py stop PID
"""

import argparse
import datetime
import decimal
import email.utils
import fnmatch
import html
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

# The password of every customer the scripts register.
# The checkout this module is part of (scripts/..).
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PASSWORD = "correct horse battery staple"

# The login limits, raised: one scanner or load generator stands for many
# clients (CLIENT_AUTH_POSTS_PER_MINUTE) and its logins use one account
# (LOGIN_MAX_FAILURES).
RAISED_LOGIN_LIMITS = {
    "CLIENT_AUTH_POSTS_PER_MINUTE": "1000000000",
    "LOGIN_MAX_FAILURES": "1000000000",
}


class Failed(Exception):
    """What a script reports and stops on."""


# ---- processes --------------------------------------------------------------


def free_port():
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(url, want=None, timeout=2.0):
    """Whether URL answers (with status `want`, when given)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", parts.path or "/")
        status = connection.getresponse().status
    except OSError:
        return False
    finally:
        connection.close()
    return want is None or status == want


def spawn(command, log, ready, cwd=None, env=None, cpus=None, want=None, name=None, wait=20.0):
    """Runs COMMAND (a list) in the background, its output in the file LOG,
    on the CPUs `cpus` (a set) when given, with `env` added to this
    process's environment; returns its pid once `ready` (a URL) answers,
    with status `want` when given. Fails, printing the log, when it exits
    first or does not answer within `wait` seconds."""
    name = name or os.path.basename(command[0])
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=dict(os.environ, **(env or {})),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
        )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if answers(ready, want):
            return process.pid
        if process.poll() is not None:
            sys.stderr.write(open(log, errors="replace").read())
            raise Failed("%s did not start (exit %s)" % (name, process.returncode))
        time.sleep(0.05)
    process.terminate()
    raise Failed("%s did not answer%s at %s" % (name, " %d" % want if want else "", ready))


def start_shop(binary, workdir, log, env=None, cpus=None, login_limits_raised=False, name="the shop"):
    """`BIN serve` from WORKDIR (so no .env of the checkout is read) on a
    free loopback port, its log in LOG: one JSON object a line, a line per
    request (LOG=info, LOG_FORMAT=json). A fresh SQLite database in
    WORKDIR unless `env` names a DATABASE_URL; a new SESSION_SECRET; every
    other setting the default, or as `env` says. Returns (pid, its URL)
    once /livez answers 200."""
    os.makedirs(workdir, exist_ok=True)
    port = free_port()
    url = "http://127.0.0.1:%d" % port
    made = subprocess.run([binary, "gen-key"], capture_output=True, text=True)
    if made.returncode != 0:
        raise Failed("%s gen-key failed (exit %d): %s" % (binary, made.returncode, made.stderr.strip()))
    key = made.stdout.strip()
    settings = {
        "DATABASE_URL": "sqlite://%s/shop.db?mode=rwc" % os.path.abspath(workdir),
        "BIND_ADDR": "127.0.0.1:%d" % port,
        "SESSION_SECRET": key,
        "LOG": "info",
        "LOG_FORMAT": "json",
        # Started from WORKDIR, the shop finds no static/ there: the
        # checkout's (README, "Running in production": a release).
        "STATIC_DIR": os.path.join(ROOT, "static"),
    }
    if login_limits_raised:
        settings.update(RAISED_LOGIN_LIMITS)
    settings.update(env or {})
    pid = spawn([binary, "serve"], log, url + "/livez", cwd=workdir, env=settings, cpus=cpus, want=200, name=name)
    return pid, url


def running(pid):
    """Whether process PID is alive (a zombie is not)."""
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def stop(pids, wait=60.0):
    """SIGTERM to each of PIDS, then waits until they are gone (the shop
    shuts down gracefully); SIGKILL to any still there after `wait` s."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + wait
    for pid in pids:
        while running(pid):
            if time.monotonic() > deadline:
                sys.stderr.write("shop.py: process %d still there after %g s: SIGKILL\n" % (pid, wait))
                os.kill(pid, signal.SIGKILL)
                break
            time.sleep(0.02)
        try:
            os.waitpid(pid, os.WNOHANG)  # when it was a child of ours
        except ChildProcessError:
            pass


# ---- a client of the shop ---------------------------------------------------


class Response:
    def __init__(self, status, headers, text):
        self.status = status
        self.headers = headers
        self.text = text


class Client:
    """A visitor of the shop at URL: its cookies, kept in the JSON file JAR
    between calls when it has one. Follows no redirect."""

    def __init__(self, url, jar=None, cookies=None):
        self.url = url.rstrip("/")
        self.jar = jar
        self.cookies = dict(cookies or {})
        self.lock = threading.Lock()

    @classmethod
    def load(cls, jar):
        with open(jar) as f:
            saved = json.load(f)
        return cls(saved["url"], jar, saved["cookies"])

    def save(self):
        if self.jar:
            with open(self.jar, "w") as f:
                json.dump({"url": self.url, "cookies": self.cookies}, f)

    def cookie_header(self):
        """Its cookies as a Cookie header's value: "session=..."."""
        with self.lock:
            return "; ".join("%s=%s" % item for item in self.cookies.items())

    def request(self, method, path, body=None):
        parts = urllib.parse.urlsplit(self.url)
        headers = {"User-Agent": "cookie-jar-scripts"}
        cookie = self.cookie_header()
        if cookie:
            headers["Cookie"] = cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        self.keep(response.headers.get_all("Set-Cookie") or [])
        return Response(response.status, response.headers, text)

    def keep(self, set_cookies):
        now = datetime.datetime.now(datetime.timezone.utc)
        with self.lock:
            for line in set_cookies:
                first, *attributes = line.split(";")
                name, _, value = first.strip().partition("=")
                gone = False
                for attribute in attributes:
                    key, _, arg = attribute.strip().partition("=")
                    key = key.lower()
                    if key == "max-age" and arg.strip().lstrip("-").isdigit() and int(arg) <= 0:
                        gone = True
                    elif key == "expires":
                        try:
                            gone = gone or email.utils.parsedate_to_datetime(arg) <= now
                        except (TypeError, ValueError):
                            pass
                if gone:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields=None, body=None):
        """POSTs a form (FIELDS, a dict, url-encoded; or BODY as it is);
        returns the status."""
        if body is None:
            body = urllib.parse.urlencode(fields or {})
        return self.request("POST", path, body.encode()).status

    def token(self, page):
        """The CSRF token of the form on PAGE (a path: "/cart")."""
        found = re.search(r'name="csrf_token" value="([^"]*)"', self.get(page).text)
        if not found:
            raise Failed("no csrf_token on %s" % page)
        return html.unescape(found.group(1))


def new_client(url, jar=None):
    """A new visitor: one GET of the home page, for its session cookie."""
    client = Client(url, jar)
    client.get("/")
    return client


def register(client, email_address, name, products):
    """Registers EMAIL_ADDRESS as CLIENT (which is then signed in) and puts
    one of each of PRODUCTS (ids) in its cart; checks each step."""
    status = client.post("/register", {
        "email": email_address,
        "display_name": name,
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "csrf_token": client.token("/register"),
    })
    if status != 303:
        raise Failed("registering %s answered %d" % (email_address, status))
    confirm_address(client, email_address)
    token = client.token("/cart")
    for product in products:
        status = client.post("/cart/items", {"product_id": product, "quantity": 1, "csrf_token": token})
        if status != 303:
            raise Failed("adding product %s to %s's cart answered %d" % (product, email_address, status))
    lines = client.get("/cart").text.count('class="qty-cell"')
    if lines != len(products):
        raise Failed("%s's cart has %d lines, not %d" % (email_address, lines, len(products)))
    if client.get("/profile").status != 200:
        raise Failed("%s is not signed in" % email_address)


def confirm_address(client, email_address):
    """Uses the link of the registration mail, read at /dev/mail (the shop
    runs without SMTP_URL here), so the customer's pages are a confirmed
    customer's: no banner asking for it."""
    listing = client.get("/dev/mail").text
    mail = re.search(r'<a href="(/dev/mail/\d+)">Confirm your email address</a></td>'
                     r'<td data-label="To">%s</td>' % re.escape(email_address), listing)
    if not mail:
        raise Failed("no confirmation mail to %s at /dev/mail" % email_address)
    link = re.search(r'href="[^"]*(/verify-email/[A-Za-z0-9_-]{43})"', client.get(mail.group(1)).text)
    if not link:
        raise Failed("no confirmation link in the mail to %s" % email_address)
    # The link's first view holds its token in the session and redirects to
    # /verify-email, whose button uses it.
    opened = client.get(link.group(1))
    if opened.status != 303:
        raise Failed("opening the link to %s answered %d" % (email_address, opened.status))
    page = client.get("/verify-email").text
    held = re.search(r'name="link" value="([^"]*)"', page)
    token = re.search(r'name="csrf_token" value="([^"]*)"', page)
    if not held or not token:
        raise Failed("no confirmation form for %s at /verify-email" % email_address)
    status = client.post("/verify-email", {"csrf_token": html.unescape(token.group(1)),
                                           "link": held.group(1)})
    if status != 303:
        raise Failed("confirming %s answered %d" % (email_address, status))


def login_form(client, email_address):
    """The url-encoded body of a login as EMAIL_ADDRESS (PASSWORD), with
    CLIENT's token."""
    return urllib.parse.urlencode({
        "email": email_address,
        "password": PASSWORD,
        "csrf_token": client.token("/login"),
    })


# ---- the shop's access log --------------------------------------------------


def _rust_str(value):
    """A string the shop logs as Rust's Debug shows it ("\\"GET\\""), as it was."""
    if not (isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"'):
        return value
    escapes = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'"}

    def one(m):
        if m.group(1):
            return chr(int(m.group(1), 16))
        return escapes.get(m.group(2), m.group(0))

    return re.sub(r"\\(?:u\{([0-9a-fA-F]+)\}|(.))", one, value[1:-1])


def requests_logged(logs, start=0):
    """The requests in the shop's JSON logs (file names), each a dict:
    method, path, route, status, ms, line (as logged); from line START of
    each file on (0: the first). Other lines are skipped."""
    for log in logs:
        with open(log, encoding="utf-8", errors="replace", newline="\n") as f:
            for number, line in enumerate(f):
                if number < start:
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(entry, dict):
                    continue
                fields = entry.get("fields") or {}
                if entry.get("target") != "cookie_jar::web::telemetry" or fields.get("message") != "request":
                    continue
                span = entry.get("span") or {}
                yield {
                    "method": _rust_str(span.get("method")),
                    "path": _rust_str(span.get("path")),
                    "route": fields.get("route"),
                    "status": int(fields.get("status", 0)),
                    "ms": fields.get("ms"),
                    "line": line.rstrip("\n"),
                }


# ---- figures ----------------------------------------------------------------


def field(path, key):
    """Field KEY of the JSON object in the file PATH; "a.b" for a field of
    a field. Numbers as written (1.20 stays 1.20). KeyError when absent."""
    with open(path) as f:
        value = json.load(f, parse_float=decimal.Decimal)
    for part in key.split("."):
        value = value[part]
    return value


def shown(value):
    """A field as a script prints it; an object as its members, the way
    JSON writes them ("503": 12, "303": 4)."""
    if isinstance(value, dict):
        return ", ".join("%s: %s" % (json.dumps(k), shown(v)) for k, v in value.items())
    if isinstance(value, (list, bool)) or value is None:
        return json.dumps(value)
    return str(value)


def ratio(a, b):
    """A / B to two decimals, "-" when B is not above 0."""
    a, b = float(a), float(b)
    return "%.2f" % (a / b) if b > 0 else "-"


# ---- scan.sh: wapiti --------------------------------------------------------


def judge(report, instance, not_real):
    """Each finding of wapiti's JSON REPORT (vulnerabilities and anomalies)
    of the shop INSTANCE, real or not by NOT_REAL ("instance|category|
    info|reason" lines, shell patterns), printed with its reason or its
    request. Returns (real, not real)."""
    with open(report) as f:
        found_in = json.load(f)
    known = [line.split("|", 3) for line in not_real if line]
    real = unreal = 0
    for section in ("vulnerabilities", "anomalies"):
        for category, found in sorted(found_in.get(section, {}).items()):
            for f in found:
                where = f["method"] + " " + f["path"] + (" [" + f["parameter"] + "]" if f.get("parameter") else "")
                reason = next((r for inst, cat, info, r in known
                               if fnmatch.fnmatchcase(instance, inst) and fnmatch.fnmatchcase(category, cat)
                               and fnmatch.fnmatchcase(f["info"], info)), None)
                if reason:
                    unreal += 1
                    print("   not real: %s: %s (%s)\n     why: %s" % (category, f["info"], where, reason))
                else:
                    real += 1
                    print("   REAL FINDING (%s): %s: %s (%s)\n     request:" % (section, category, f["info"], where))
                    for line in f["http_request"].splitlines():
                        print("       " + line)
                    print("     replay: " + f["curl_command"])
    return real, unreal


def _loopback(host):
    try:
        import ipaddress
        return ipaddress.ip_address(str(host).strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def wapiti(args):
    """Runs wapiti (Debian's 3.0.4, wapitiCore) with ARGS, under the
    interpreter running this, with two changes:
    - each -x pattern made a regex it can compile: wapiti ends it in
      "(?ms)", which Python 3.11 refuses ("global flags not at the start"),
      so any exclusion crashes it; the flags go first (only when the
      packaged function is broken);
    - loopback only: a name lookup or a connection for any other host is
      refused (wapiti starts every module, and some would fetch their
      database from the web, with the scan's Cookie header)."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host, *rest, **named):
        if host is not None and not _loopback(host):
            raise socket.gaierror("shop.py wapiti: loopback only, %s refused" % host)
        return real_getaddrinfo(host, *rest, **named)

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            raise ConnectionRefusedError("shop.py wapiti: loopback only, %s refused" % address[0])
        return real_connect(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect

    import wapitiCore.net.crawler as crawler

    try:
        crawler.wildcard_translate("http://x/*")
    except re.error:
        def wildcard_translate(pattern):
            body = "".join(".*" if c == "*" else re.escape(c) for c in pattern)
            return re.compile("(?ms)" + body + r"\Z")

        crawler.wildcard_translate = wildcard_translate
        print("[shim] -x patterns fixed for Python %d.%d" % sys.version_info[:2])

    from wapitiCore.main.wapiti import wapiti_main

    sys.argv = ["wapiti"] + list(args)
    return wapiti_main()


# ---- the command line -------------------------------------------------------


def _settings(pairs):
    env = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise Failed("not VAR=VALUE: %s" % pair)
        env[name] = value
    return env


def _cpus(text):
    return {int(c) for c in text.split(",")} if text else None


def _command(args):
    if args.command == "free-port":
        print(free_port())
    elif args.command == "spawn":
        command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        if not command:
            raise Failed("spawn: no command")
        print(spawn(command, args.log, args.ready, cwd=args.dir, cpus=_cpus(args.cpus), name=args.name))
    elif args.command == "start":
        pid, url = start_shop(os.path.abspath(args.bin), args.dir, args.log, _settings(args.settings),
                              cpus=_cpus(args.cpus), login_limits_raised=args.login_limits_raised,
                              name=args.name or "the shop")
        print(pid, url)
    elif args.command == "stop":
        stop(args.pids)
    elif args.command == "client":
        new_client(args.url, args.jar).save()
    elif args.command == "cookie":
        print(Client.load(args.jar).cookie_header())
    elif args.command == "token":
        client = Client.load(args.jar)
        print(client.token(args.page))
        client.save()
    elif args.command == "get":
        client = Client.load(args.jar)
        print(client.get(args.path).status)
        client.save()
    elif args.command == "post":
        client = Client.load(args.jar)
        fields = _settings(args.fields)
        body = args.body

        def one():
            return client.post(args.path, fields, body)

        if args.parallel:
            statuses = [None] * args.times

            def into(i):
                statuses[i] = one()

            threads = [threading.Thread(target=into, args=(i,)) for i in range(args.times)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        else:
            statuses = [one() for _ in range(args.times)]
        client.save()
        print("\n".join(str(s) for s in statuses))
    elif args.command == "register":
        client = new_client(args.url, args.jar)
        register(client, args.email, args.name, [p for p in args.cart.split(",") if p])
        client.save()
        print(client.cookie_header())
    elif args.command == "login-form":
        client = Client.load(args.jar)
        print(login_form(client, args.email))
        client.save()
    elif args.command == "password":
        print(PASSWORD)
    elif args.command == "requests":
        chosen = [r for r in requests_logged(args.logs, args.start)
                  if (args.method is None or r["method"] == args.method)
                  and (args.path is None or r["path"] == args.path)
                  and (args.status is None or r["status"] == args.status)
                  and (args.min_status is None or r["status"] >= args.min_status)]
        if args.first_status:
            print(chosen[0]["status"] if chosen else "none")
        elif args.by_status:
            counts = {}
            for r in chosen:
                counts[r["status"]] = counts.get(r["status"], 0) + 1
            print(", ".join("%d %d" % (s, counts[s]) for s in sorted(counts)))
        elif args.show is not None:
            for r in chosen[:args.show]:
                print(r["line"])
        else:
            print(len(chosen))
    elif args.command == "field":
        values = []
        for key in args.keys:
            try:
                values.append(shown(field(args.file, key)))
            except (KeyError, TypeError):
                if args.default is None:
                    raise Failed("%s has no field %s" % (args.file, key))
                values.append(args.default)
        print(" ".join(values))
    elif args.command == "ratio":
        print(ratio(args.a, args.b))
    elif args.command == "judge":
        real, unreal = judge(args.report, args.instance, sys.stdin.read().splitlines())
        with open(args.counts, "w") as f:
            f.write("%d %d\n" % (real, unreal))


def main(argv):
    # wapiti's own arguments pass untouched.
    if argv[:1] == ["wapiti"]:
        return wapiti(argv[1:])
    parser = argparse.ArgumentParser(prog="shop.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")

    sub.add_parser("free-port", help="print a TCP port free on 127.0.0.1")

    p = sub.add_parser("spawn", help="run a server in the background until URL answers; print its pid")
    p.add_argument("--log", required=True, help="its output goes here")
    p.add_argument("--ready", required=True, metavar="URL", help="wait until this answers (any status)")
    p.add_argument("--dir", help="run it from here")
    p.add_argument("--cpus", help="pin it to these CPUs (0,1)")
    p.add_argument("--name", help="its name in messages")
    p.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- COMMAND...")

    p = sub.add_parser("start", help="start the shop on a free port (JSON log); print 'PID URL'",
                       usage="shop.py start [OPTIONS] BIN [VAR=VALUE...]")
    p.add_argument("bin", help="the cookie-jar binary")
    p.add_argument("--dir", required=True, help="run it from here (a fresh SQLite database here by default)")
    p.add_argument("--log", required=True, help="its log (JSON lines) goes here")
    p.add_argument("--cpus", help="pin it to these CPUs (0,1)")
    p.add_argument("--name", help="its name in messages")
    p.add_argument("--login-limits-raised", action="store_true",
                   help="CLIENT_AUTH_POSTS_PER_MINUTE and LOGIN_MAX_FAILURES out of reach")
    p.add_argument("settings", nargs="*", metavar="VAR=VALUE", help="settings of its environment")

    p = sub.add_parser("stop", help="SIGTERM, then wait until they are gone")
    p.add_argument("pids", nargs="+", type=int, metavar="PID")

    p = sub.add_parser("client", help="a new visitor of the shop at URL (GET /), its cookies in JAR")
    p.add_argument("jar")
    p.add_argument("url")

    p = sub.add_parser("cookie", help="print JAR's cookies as a Cookie header value")
    p.add_argument("jar")

    p = sub.add_parser("token", help="print the CSRF token of the form on PAGE (a path: /cart)")
    p.add_argument("jar")
    p.add_argument("page")

    p = sub.add_parser("get", help="GET PATH; print the status")
    p.add_argument("jar")
    p.add_argument("path")

    p = sub.add_parser("post", help="POST a form (url-encoded NAME=VALUE fields, or --body); print the status")
    p.add_argument("jar")
    p.add_argument("path")
    p.add_argument("fields", nargs="*", metavar="NAME=VALUE")
    p.add_argument("--body", help="the url-encoded body as it is")
    p.add_argument("--times", type=int, default=1, help="that many times (a status a line)")
    p.add_argument("--parallel", action="store_true", help="all --times at once")

    p = sub.add_parser("register", help="a new customer, signed in, products in the cart; "
                                        "print its Cookie header value")
    p.add_argument("jar")
    p.add_argument("url")
    p.add_argument("email")
    p.add_argument("--name", required=True, help="the display name")
    p.add_argument("--cart", default="", metavar="ID,ID...", help="one of each of these products")

    p = sub.add_parser("login-form", help="print the url-encoded body of a login as EMAIL, JAR's token")
    p.add_argument("jar")
    p.add_argument("email")

    sub.add_parser("password", help="print the password of the customers registered here")

    p = sub.add_parser("requests", help="the requests in the shop's JSON logs: their count, or ...")
    p.add_argument("logs", nargs="+", metavar="LOG")
    p.add_argument("--from", dest="start", type=int, default=0, metavar="LINES",
                   help="skip the first LINES lines of each log")
    p.add_argument("--method")
    p.add_argument("--path")
    p.add_argument("--status", type=int)
    p.add_argument("--min-status", type=int)
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--first-status", action="store_true", help="the first one's status ('none')")
    shape.add_argument("--by-status", action="store_true", help="'STATUS COUNT, ...'")
    shape.add_argument("--show", type=int, metavar="N", help="the first N, as logged")

    p = sub.add_parser("field", help="print fields of a JSON file (a.b: of a field), as written")
    p.add_argument("file")
    p.add_argument("keys", nargs="+", metavar="KEY")
    p.add_argument("--default", help="for a field that is not there")

    p = sub.add_parser("ratio", help="print A / B to two decimals ('-' when B <= 0)")
    p.add_argument("a")
    p.add_argument("b")

    p = sub.add_parser("judge", help="scan.sh: the findings of a wapiti JSON report, "
                                     "NOT_REAL lines on standard input")
    p.add_argument("report")
    p.add_argument("instance")
    p.add_argument("--counts", required=True, help="'REAL NOT_REAL' goes here")

    sub.add_parser("wapiti", help="wapiti's arguments: wapiti kept on loopback, its -x fixed",
                   add_help=False)

    args = parser.parse_args(argv)
    try:
        _command(args)
    except (Failed, OSError, ValueError, http.client.HTTPException) as failed:
        sys.stderr.write("shop.py %s: %s\n" % (args.command, failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
