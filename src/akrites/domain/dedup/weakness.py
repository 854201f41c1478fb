"""Coarse weakness classes, from CWE ids or from the words of a description.

Reports of one flaw agree on what kind of flaw it is even when worded differently; two
flaws fixed by one commit are often of different kinds (a file disclosure and a command
injection). Many reports carry no CWE, so the class is also read from the text with a
small vocabulary that does not depend on any language or ecosystem.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Weakness(StrEnum):
    XSS = "cross-site scripting"
    SQL_INJECTION = "SQL injection"
    COMMAND_INJECTION = "command injection"
    CODE_INJECTION = "code injection"
    PATH_TRAVERSAL = "path traversal"
    SSRF = "server-side request forgery"
    CSRF = "cross-site request forgery"
    OPEN_REDIRECT = "open redirect"
    XXE = "XML external entities"
    DESERIALIZATION = "unsafe deserialization"
    DENIAL_OF_SERVICE = "denial of service"
    MEMORY_SAFETY = "memory safety"
    ACCESS_CONTROL = "authentication or authorization"
    INFORMATION_EXPOSURE = "information exposure"
    CRYPTOGRAPHY = "cryptography or certificate checks"
    HTTP_SMUGGLING = "HTTP smuggling or header injection"


_PATTERNS: dict[Weakness, str] = {
    Weakness.XSS: r"cross[- ]?site scripting|\bxss\b|html injection|inject(ion of)? arbitrary "
    r"(web )?script",
    Weakness.SQL_INJECTION: r"sql injection|\bsqli\b",
    Weakness.COMMAND_INJECTION: r"command injection|shell injection|\bos command|shell "
    r"metacharacters|execute arbitrary (os |shell |system )?commands",
    Weakness.CODE_INJECTION: r"code injection|template injection|\bssti\b|\beval\b|arbitrary "
    r"code execution|remote code execution|\brce\b|execute arbitrary \w* ?code",
    Weakness.PATH_TRAVERSAL: r"path traversal|directory traversal|\.\./|zip ?slip|arbitrary "
    r"files? (read|write|overwrite)|(read|write|overwrite) arbitrary files",
    Weakness.SSRF: r"server[- ]side request forgery|\bssrf\b",
    Weakness.CSRF: r"cross[- ]site request forgery|\bcsrf\b|\bxsrf\b",
    Weakness.OPEN_REDIRECT: r"open redirect|url redirection|redirect(ion)? to (an? )?"
    r"(arbitrary|untrusted|malicious)",
    Weakness.XXE: r"xml external entit|\bxxe\b",
    Weakness.DESERIALIZATION: r"deseriali[sz]|unpickl|\bpickle\b|unmarshal|unsafe (yaml )?load",
    Weakness.DENIAL_OF_SERVICE: r"denial[- ]of[- ]service|\bdos\b|\bredos\b|resource "
    r"exhaustion|infinite loop|uncontrolled (resource|memory|recursion)|excessive (memory|cpu)|"
    r"memory exhaustion|\bcrash",
    Weakness.MEMORY_SAFETY: r"buffer (overflow|overread|over-read)|heap overflow|out[- ]of[- ]"
    r"bounds|use[- ]after[- ]free|null pointer|segmentation fault|segfault|double free|"
    r"integer overflow|memory corruption|uninitiali[sz]ed memory",
    Weakness.ACCESS_CONTROL: r"authentication bypass|bypass(es|ing)? (the )?authentication|"
    r"improper authentication|missing authentication|unauthenticated|privilege escalation|"
    r"escalate privileges|authori[sz]ation|access control|unauthori[sz]ed",
    Weakness.INFORMATION_EXPOSURE: r"information (disclosure|exposure|leak)|sensitive "
    r"information|exposure of|\bleaks?\b",
    Weakness.CRYPTOGRAPHY: r"cryptograph|weak (random|hash|cipher|key)|predictable|timing "
    r"(attack|side)|certificate (validation|verification)|verify (ssl|tls)|hostname "
    r"verification|man[- ]in[- ]the[- ]middle|\bmitm\b",
    Weakness.HTTP_SMUGGLING: r"request smuggling|response splitting|crlf injection|header "
    r"injection",
}
_COMPILED = {weakness: re.compile(rx, re.IGNORECASE) for weakness, rx in _PATTERNS.items()}

_CWE_CLASSES: dict[int, Weakness] = {
    79: Weakness.XSS, 80: Weakness.XSS, 83: Weakness.XSS, 87: Weakness.XSS,
    89: Weakness.SQL_INJECTION, 564: Weakness.SQL_INJECTION,
    77: Weakness.COMMAND_INJECTION, 78: Weakness.COMMAND_INJECTION, 88: Weakness.COMMAND_INJECTION,
    94: Weakness.CODE_INJECTION, 95: Weakness.CODE_INJECTION, 1336: Weakness.CODE_INJECTION,
    22: Weakness.PATH_TRAVERSAL, 23: Weakness.PATH_TRAVERSAL, 35: Weakness.PATH_TRAVERSAL,
    36: Weakness.PATH_TRAVERSAL, 59: Weakness.PATH_TRAVERSAL,
    918: Weakness.SSRF, 352: Weakness.CSRF, 601: Weakness.OPEN_REDIRECT,
    611: Weakness.XXE, 776: Weakness.XXE, 827: Weakness.XXE,
    502: Weakness.DESERIALIZATION,
    400: Weakness.DENIAL_OF_SERVICE, 770: Weakness.DENIAL_OF_SERVICE,
    1333: Weakness.DENIAL_OF_SERVICE, 835: Weakness.DENIAL_OF_SERVICE,
    674: Weakness.DENIAL_OF_SERVICE, 407: Weakness.DENIAL_OF_SERVICE,
    119: Weakness.MEMORY_SAFETY, 120: Weakness.MEMORY_SAFETY, 122: Weakness.MEMORY_SAFETY,
    125: Weakness.MEMORY_SAFETY, 787: Weakness.MEMORY_SAFETY, 416: Weakness.MEMORY_SAFETY,
    476: Weakness.MEMORY_SAFETY, 190: Weakness.MEMORY_SAFETY, 415: Weakness.MEMORY_SAFETY,
    287: Weakness.ACCESS_CONTROL, 285: Weakness.ACCESS_CONTROL, 862: Weakness.ACCESS_CONTROL,
    863: Weakness.ACCESS_CONTROL, 269: Weakness.ACCESS_CONTROL, 284: Weakness.ACCESS_CONTROL,
    306: Weakness.ACCESS_CONTROL, 639: Weakness.ACCESS_CONTROL,
    200: Weakness.INFORMATION_EXPOSURE, 532: Weakness.INFORMATION_EXPOSURE,
    209: Weakness.INFORMATION_EXPOSURE, 359: Weakness.INFORMATION_EXPOSURE,
    295: Weakness.CRYPTOGRAPHY, 327: Weakness.CRYPTOGRAPHY, 330: Weakness.CRYPTOGRAPHY,
    338: Weakness.CRYPTOGRAPHY, 208: Weakness.CRYPTOGRAPHY, 347: Weakness.CRYPTOGRAPHY,
    444: Weakness.HTTP_SMUGGLING, 113: Weakness.HTTP_SMUGGLING, 93: Weakness.HTTP_SMUGGLING,
}  # fmt: skip


def classes_in_text(text: str) -> frozenset[Weakness]:
    return frozenset(w for w, pattern in _COMPILED.items() if pattern.search(text))


def classes_of_cwes(cwe_numbers: frozenset[int]) -> frozenset[Weakness]:
    return frozenset(_CWE_CLASSES[n] for n in cwe_numbers if n in _CWE_CLASSES)
