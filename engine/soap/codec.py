"""SOAP 1.1 envelopes ↔ typed Python values, driven by :mod:`engine.soap.schema`.

Requests are parsed with defusedxml with DTDs, entities and external references forbidden, so
a DOCTYPE, an entity bomb or an external entity is refused before anything is expanded or read
(ipsApiFault 30003, as is XML that is not well-formed or not a SOAP envelope).

Decoded values: ``string`` → str, ``int``/``long`` → int, ``double`` → float, ``boolean`` →
bool, ``dateTime`` → aware datetime (no zone given: UTC), arrays (types whose one field is the
repeated ``items``) → lists, other complex types → dicts, ``anyType`` → ``True`` (present).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from engine.errors import ApiFault, IsRenderError
from engine.soap.schema import (
    AUTH_HEADER,
    AUTH_NAMESPACE,
    LEGACY_AUTH_NAMESPACE,
    NAMESPACES,
    OPERATIONS,
    TYPES,
    Field,
    Operation,
)

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ET.register_namespace("soapenv", SOAP_ENV)  # faultcode values name this prefix


def _bad_xml(message: str) -> ApiFault:
    return ApiFault(message, code=ApiFault.INVALID_REQUEST_XML)


def _split(tag: str) -> tuple[str, str]:
    """``{ns}local`` → ``(ns, local)``."""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


@dataclass
class Request:
    operation: Operation
    namespace: str  # the request's IPS namespace; the response uses the same
    params: dict[str, Any]
    auth: dict[str, Any] = field(default_factory=dict)


def parse_xml(body: bytes) -> ET.Element:
    """The root element of ``body``; ApiFault 30003 for anything but plain, well-formed XML."""
    try:
        return fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise _bad_xml(f"the request XML was refused: {type(exc).__name__} ({exc})") from None
    except ET.ParseError as exc:
        raise _bad_xml(f"the request is not well-formed XML: {exc}") from None


def read_request(body: bytes, soap_action: str | None) -> Request:
    """The operation, namespace, parameters and credentials of a SOAP request."""
    root = parse_xml(body)
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise _bad_xml(f"expected a SOAP 1.1 Envelope, not <{_split(root.tag)[1]}>")
    header = root.find(f"{{{SOAP_ENV}}}Header")
    soap_body = root.find(f"{{{SOAP_ENV}}}Body")
    content = list(soap_body) if soap_body is not None else []
    if len(content) != 1:
        raise _bad_xml(f"the SOAP Body must hold one operation element, not {len(content)}")
    ns, local = _split(content[0].tag)
    if ns not in NAMESPACES:
        raise _bad_xml(
            f"unknown namespace {ns!r} of <{local}>; expected one of {', '.join(NAMESPACES)}"
        )
    name = local.removesuffix("Param")
    operation = OPERATIONS.get(name)
    if operation is None or not local.endswith("Param"):
        raise _bad_xml(f"<{local}> is not an operation this service offers")
    action = (soap_action or "").strip().strip('"')
    if action and re.split(r"[/:#]", action)[-1] != name:  # also urn:op, …/IpsApi#op
        raise _bad_xml(f"SOAPAction {action!r} does not match the body's operation {name}")
    params = decode(content[0], operation.param, name)
    return Request(operation, ns, params, _credentials(header))


def _credentials(header: ET.Element | None) -> dict[str, Any]:
    """authHeader (in the unversioned or any versioned namespace), else the legacy AuthUser
    and AuthPassword elements."""
    if header is None:
        return {}
    for element in header:
        ns, local = _split(element.tag)
        if local == "authHeader" and (ns == AUTH_NAMESPACE or ns in NAMESPACES):
            return decode(element, AUTH_HEADER, "authHeader")
    legacy = {
        _split(element.tag)[1]: (element.text or "").strip()
        for element in header
        if _split(element.tag)[0] == LEGACY_AUTH_NAMESPACE
    }
    if "AuthUser" in legacy or "AuthPassword" in legacy:
        return {"user": legacy.get("AuthUser", ""), "password": legacy.get("AuthPassword", "")}
    return {}


def read_auth_header(body: bytes) -> dict[str, Any]:
    """The fields of a bare ``authHeader`` document (the UploadFile servlet's ``auth`` part)."""
    root = parse_xml(body)
    if _split(root.tag)[1] != "authHeader":
        raise _bad_xml(f"expected an authHeader document, not <{_split(root.tag)[1]}>")
    return decode(root, AUTH_HEADER, "authHeader")


# --- decoding --------------------------------------------------------------------------------


def decode(element: ET.Element, fields: Sequence[Field], where: str) -> dict[str, Any]:
    by_name = {f.name: f for f in fields}
    values: dict[str, Any] = {}
    for child in element:
        local = _split(child.tag)[1]
        spec = by_name.get(local)
        if spec is None or child.get(f"{{{XSI}}}nil") in ("true", "1"):
            continue  # unknown elements are ignored, as a lenient reader does
        value = _decode_value(child, spec.type, f"{where}.{local}")
        if spec.many:
            values.setdefault(local, []).append(value)
        else:
            values[local] = value
    return values


def _decode_value(element: ET.Element, kind: str, where: str) -> Any:
    if kind in TYPES:
        fields = TYPES[kind]
        decoded = decode(element, fields, where)
        if _is_array(kind):
            return decoded.get("items", [])
        return decoded
    if kind == "anyType":
        return True
    text = (element.text or "").strip()
    try:
        return _SIMPLE_READERS.get(kind, str)(text)
    except ValueError:
        raise ApiFault(
            f"{where}: {text!r} is not a valid xsd:{kind}", code=ApiFault.INVALID_PARAMETER
        ) from None


def _boolean(text: str) -> bool:
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise ValueError(text)


def _date_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


_SIMPLE_READERS = {
    "int": int,
    "long": int,
    "double": float,
    "boolean": _boolean,
    "dateTime": _date_time,
}


def _is_array(kind: str) -> bool:
    fields = TYPES.get(kind, ())
    return len(fields) == 1 and fields[0].many


# --- encoding --------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _encode(parent: ET.Element, ns: str, name: str, kind: str, value: Any) -> None:
    element = ET.SubElement(parent, f"{{{ns}}}{name}")
    if kind in TYPES:
        items = {"items": value} if _is_array(kind) else value
        _encode_fields(element, ns, TYPES[kind], items)
    else:
        element.text = _text(value)


def _encode_fields(parent: ET.Element, ns: str, fields: Sequence[Field], values: Any) -> None:
    for spec in fields:
        value = values.get(spec.name)
        if value is None:
            continue
        for item in value if spec.many else (value,):
            _encode(parent, ns, spec.name, spec.type, item)


def _envelope() -> tuple[ET.Element, ET.Element]:
    envelope = ET.Element(f"{{{SOAP_ENV}}}Envelope")
    return envelope, ET.SubElement(envelope, f"{{{SOAP_ENV}}}Body")


def response(operation: Operation, ns: str, values: dict[str, Any]) -> bytes:
    """The SOAP envelope holding ``<op>Return`` with ``values`` in the schema's order."""
    envelope, body = _envelope()
    result = ET.SubElement(body, f"{{{ns}}}{operation.name}Return")
    _encode_fields(result, ns, operation.result, values)
    return _tostring(envelope)


def fault_code(error: IsRenderError) -> int:
    """The error's IPS code; errors without one are 30001 (the request's fault) or, when
    their HTTP status says the server failed (a full queue, a time limit, SMTP), 30000."""
    if error.code is not None:
        return error.code
    return ApiFault.EXCEPTION if error.http_status >= 500 else ApiFault.INVALID_PARAMETER


def fault_element(fault: IsRenderError, ns: str) -> ET.Element:
    """``<authenticationFault|authorizationFault|ipsApiFault>`` (the error's ``fault``) with
    ``code`` and ``reason``."""
    element = ET.Element(f"{{{ns}}}{fault.fault}")
    ET.SubElement(element, f"{{{ns}}}code").text = str(fault_code(fault))
    ET.SubElement(element, f"{{{ns}}}reason").text = fault.message
    return element


def fault_response(fault: IsRenderError, ns: str) -> bytes:
    envelope, body = _envelope()
    soap_fault = ET.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    server_side = fault_code(fault) == ApiFault.EXCEPTION
    ET.SubElement(soap_fault, "faultcode").text = (
        "soapenv:Server" if server_side else "soapenv:Client"
    )
    ET.SubElement(soap_fault, "faultstring").text = fault.message
    ET.SubElement(soap_fault, "detail").append(fault_element(fault, ns))
    return _tostring(envelope)


def bare(element: ET.Element) -> bytes:
    return _tostring(element)


def _tostring(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# --- responseFieldArray / excludeFieldArray ----------------------------------------------------


def filter_fields(
    values: dict[str, Any], include: Iterable[str] | None, exclude: Iterable[str] | None
) -> dict[str, Any]:
    """Keep only the nodes on the ``/``-separated paths of ``include`` (their ancestors and
    descendants), then drop those under ``exclude``; paths start below ``<op>Return`` and
    name array elements ``items`` (``assetArray/items/name``)."""
    keep = [tuple(p.strip("/").split("/")) for p in include or () if p.strip("/")]
    drop = [tuple(p.strip("/").split("/")) for p in exclude or () if p.strip("/")]
    if not keep and not drop:
        return values
    return _filter(values, (), keep, drop)


def _filter(value: Any, path: tuple[str, ...], keep: list, drop: list) -> Any:
    if isinstance(value, list):
        return [_filter(item, (*path, "items"), keep, drop) for item in value]
    if not isinstance(value, dict):
        return value
    kept = {}
    for name, child in value.items():
        child_path = (*path, name)
        if any(child_path[: len(p)] == p for p in drop):
            continue
        if keep and not any(
            child_path[: len(p)] == p or p[: len(child_path)] == child_path for p in keep
        ):
            continue
        kept[name] = _filter(child, child_path, keep, drop)
    return kept
