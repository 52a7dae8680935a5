"""The pages: sign-in and sign-out, and the three screens (playground, presets, jobs).

Each screen is the shared layout (``templates/base.html``) around its own markup
(``templates/<screen>.html``) and script (``static/<screen>.js``); the scripts talk to the
JSON API (``engine.web.api``). Pages are never cached, and carry a Content-Security-Policy
that allows this site's own scripts, styles and images only.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from html import escape
from pathlib import Path
from string import Template

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from engine.catalog import Session
from engine.errors import IpsFault, IsRenderError, SignInRequired, TooManySignIns
from engine.server.signins import client_address
from engine.web.context import Web, read_form
from engine.web.sessions import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    check_same_site,
    check_token,
    new_token,
    set_cookie,
)

HERE = Path(__file__).parent
SCREENS = {
    "/": ("playground", "Playground"),
    "/presets": ("presets", "Presets"),
    "/jobs": ("jobs", "Jobs"),
}
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' blob:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _authenticate(web: Web, form: Mapping[str, str], address: str | None) -> Session:
    email = form.get("email", "")
    with web.server.sign_ins.attempt(email, address):
        return web.server.catalog.authenticate(
            email, form.get("password", ""), form.get("company") or None
        )


def routes(web: Web) -> list[BaseRoute]:
    async def login_page(request: Request) -> Response:
        return _login_form(request, next_path=_local(request.query_params.get("next")))

    async def login(request: Request) -> Response:
        form = await read_form(request)
        try:
            check_same_site(request)
            check_token(request.cookies.get(LOGIN_COOKIE, ""), form.get("csrf"))
        except IsRenderError as exc:
            return _login_form(request, error=str(exc), status=403)
        next_path = _local(form.get("next"))
        try:
            catalog_session = await run_in_threadpool(
                _authenticate, web, form, client_address(request)
            )
        except IpsFault as exc:
            response = _login_form(
                request, error=str(exc), status=exc.http_status, next_path=next_path,
                email=form.get("email", ""), company=form.get("company", ""),
            )  # fmt: skip
            if isinstance(exc, TooManySignIns):
                response.headers["Retry-After"] = str(exc.retry_after)
            return response
        token, _ = web.sessions.create(catalog_session)
        response = RedirectResponse(next_path, status_code=303, headers=HEADERS)
        set_cookie(response, request, SESSION_COOKIE, token, int(web.sessions.timeout))
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    async def logout(request: Request) -> Response:
        form = await read_form(request)
        token = request.cookies.get(SESSION_COOKIE)
        session = web.sessions.get(token)
        if session is not None:
            check_same_site(request)
            check_token(session.csrf, form.get("csrf"))
            web.sessions.delete(token)
        response = RedirectResponse("/login", status_code=303, headers=HEADERS)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    def screen(path: str) -> Route:
        name, title = SCREENS[path]

        async def page(request: Request) -> Response:
            try:
                session = web.session_of(request)
            except SignInRequired:
                return RedirectResponse(f"/login?next={path}", status_code=303, headers=HEADERS)
            catalog_session = session.catalog_session
            body = _template("base.html").substitute(
                title=escape(title),
                screen=name,
                csrf=escape(session.csrf),
                user=escape(catalog_session.user.email),
                company=escape(catalog_session.company.name),
                role=escape(catalog_session.role),
                nav=_nav(path),
                main=_template(f"{name}.html").template,
            )
            return HTMLResponse(body, headers=HEADERS)

        return Route(path, page, methods=["GET", "HEAD"])

    return [
        *(screen(path) for path in SCREENS),
        Route("/login", login_page, methods=["GET", "HEAD"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Mount("/web/static", StaticFiles(directory=HERE / "static"), name="web-static"),
    ]


def _login_form(
    request: Request,
    *,
    error: str = "",
    status: int = 200,
    next_path: str = "/",
    email: str = "",
    company: str = "",
) -> Response:
    token = new_token()
    body = _template("login.html").substitute(
        csrf=token,
        next=escape(next_path),
        email=escape(email),
        company=escape(company),
        error=f'<p class="error" role="alert">{escape(error)}</p>' if error else "",
    )
    response = HTMLResponse(body, status_code=status, headers=HEADERS)
    set_cookie(response, request, LOGIN_COOKIE, token, None)
    return response


def _nav(current: str) -> str:
    links = []
    for path, (_, title) in SCREENS.items():
        here = ' aria-current="page"' if path == current else ""
        links.append(f'<li><a href="{path}"{here}>{title}</a></li>')
    return "\n".join(links)


def _local(path: str | None) -> str:
    """A path on this site to go to after sign-in; anything else goes to the playground."""
    if path in SCREENS:
        return path
    return "/"


@cache
def _template(name: str) -> Template:
    return Template((HERE / "templates" / name).read_text(encoding="utf-8"))
