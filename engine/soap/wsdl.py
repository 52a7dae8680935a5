"""The WSDL of each served IPS API version, written from :mod:`engine.soap.schema`.

SOAP 1.1, document/literal: each operation's input is the element ``<op>Param``, its output
``<op>Return``, both in the version's namespace; the ``authHeader`` SOAP header element lives in
``http://www.scene7.com/IpsApi/xsd`` whatever the version, as Adobe documents; the three faults
(``authenticationFault``, ``authorizationFault``, ``ipsApiFault``) carry ``code`` and
``reason``. The service address is the base URL the WSDL was requested at.
"""

from __future__ import annotations

from functools import cache
from xml.sax.saxutils import quoteattr

from engine.soap.schema import (
    AUTH_HEADER,
    AUTH_NAMESPACE,
    FAULTS,
    OPERATIONS,
    SIMPLE,
    TYPES,
    VERSIONS,
    Field,
    namespace,
)

SERVICE_PATH = "/scene7/services/IpsApiService"
_ADDRESS = "@@ADDRESS@@"


def wsdl(version: str, base_url: str) -> str:
    """The WSDL of ``version`` with the service at ``base_url`` + ``SERVICE_PATH``."""
    if version not in VERSIONS:
        raise KeyError(version)
    address = base_url.rstrip("/") + SERVICE_PATH
    return _template(version).replace(_ADDRESS, quoteattr(address)[1:-1])


def _type_ref(field: Field, prefix: str) -> str:
    return f"xsd:{field.type}" if field.type in SIMPLE else f"{prefix}:{field.type}"


def _sequence(fields: tuple[Field, ...], prefix: str, indent: str) -> list[str]:
    lines = [f"{indent}<xsd:sequence>"]
    for field in fields:
        occurs = ' minOccurs="0"' if not field.required or field.many else ""
        occurs += ' maxOccurs="unbounded"' if field.many else ""
        lines.append(
            f'{indent}  <xsd:element name="{field.name}" type="{_type_ref(field, prefix)}"'
            f"{occurs}/>"
        )
    lines.append(f"{indent}</xsd:sequence>")
    return lines


@cache
def _template(version: str) -> str:
    ns = namespace(version)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<wsdl:definitions",
        '    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"',
        '    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"',
        '    xmlns:xsd="http://www.w3.org/2001/XMLSchema"',
        f'    xmlns:types="{ns}"',
        f'    xmlns:auth="{AUTH_NAMESPACE}"',
        f'    targetNamespace="{ns}">',
        "  <wsdl:types>",
        f'    <xsd:schema targetNamespace="{AUTH_NAMESPACE}" elementFormDefault="qualified">',
        '      <xsd:element name="authHeader">',
        "        <xsd:complexType>",
        *_sequence(AUTH_HEADER, "auth", "          "),
        "        </xsd:complexType>",
        "      </xsd:element>",
        "    </xsd:schema>",
        f'    <xsd:schema targetNamespace="{ns}" elementFormDefault="qualified">',
    ]
    for name, fields in TYPES.items():
        lines += [f'      <xsd:complexType name="{name}">']
        lines += _sequence(fields, "types", "        ")
        lines += ["      </xsd:complexType>"]
    lines += [
        '      <xsd:complexType name="Fault">',
        *_sequence(
            (Field("code", "int", True), Field("reason", "string", True)), "types", "        "
        ),
        "      </xsd:complexType>",
    ]
    lines += [f'      <xsd:element name="{fault}" type="types:Fault"/>' for fault in FAULTS]
    for op in OPERATIONS.values():
        for suffix, fields in (("Param", op.param), ("Return", op.result)):
            lines += [f'      <xsd:element name="{op.name}{suffix}">', "        <xsd:complexType>"]
            lines += _sequence(fields, "types", "          ")
            lines += ["        </xsd:complexType>", "      </xsd:element>"]
    lines += ["    </xsd:schema>", "  </wsdl:types>"]
    lines += [
        '  <wsdl:message name="authHeader">',
        '    <wsdl:part name="authHeader" element="auth:authHeader"/>',
        "  </wsdl:message>",
    ]
    for fault in FAULTS:
        lines += [
            f'  <wsdl:message name="{fault}">',
            f'    <wsdl:part name="fault" element="types:{fault}"/>',
            "  </wsdl:message>",
        ]
    for op in OPERATIONS.values():
        for suffix in ("Param", "Return"):
            lines += [
                f'  <wsdl:message name="{op.name}{suffix}">',
                f'    <wsdl:part name="parameters" element="types:{op.name}{suffix}"/>',
                "  </wsdl:message>",
            ]
    lines.append('  <wsdl:portType name="IpsApiPortType">')
    for op in OPERATIONS.values():
        lines += [
            f'    <wsdl:operation name="{op.name}">',
            f'      <wsdl:input message="types:{op.name}Param"/>',
            f'      <wsdl:output message="types:{op.name}Return"/>',
            *(f'      <wsdl:fault name="{f}" message="types:{f}"/>' for f in FAULTS),
            "    </wsdl:operation>",
        ]
    lines += [
        "  </wsdl:portType>",
        '  <wsdl:binding name="IpsApiSoapBinding" type="types:IpsApiPortType">',
        '    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>',
    ]
    for op in OPERATIONS.values():
        lines += [
            f'    <wsdl:operation name="{op.name}">',
            f'      <soap:operation soapAction="{op.name}"/>',
            "      <wsdl:input>",
            '        <soap:header message="types:authHeader" part="authHeader" use="literal"/>',
            '        <soap:body use="literal"/>',
            "      </wsdl:input>",
            '      <wsdl:output><soap:body use="literal"/></wsdl:output>',
            *(
                f'      <wsdl:fault name="{f}"><soap:fault name="{f}" use="literal"/></wsdl:fault>'
                for f in FAULTS
            ),
            "    </wsdl:operation>",
        ]
    lines += [
        "  </wsdl:binding>",
        '  <wsdl:service name="IpsApiService">',
        '    <wsdl:port name="IpsApiSoapPort" binding="types:IpsApiSoapBinding">',
        f'      <soap:address location="{_ADDRESS}"/>',
        "    </wsdl:port>",
        "  </wsdl:service>",
        "</wsdl:definitions>",
    ]
    return "\n".join(lines) + "\n"
