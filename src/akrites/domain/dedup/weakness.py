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


# Phrases (as lower-case words) that name each class. Words, not regular expressions:
# matching them is a walk over the text's words, whatever the number of phrases.
_PHRASES: dict[Weakness, tuple[str, ...]] = {
    Weakness.XSS: ("xss", "cross site scripting", "crosssite scripting", "html injection",
                   "script injection", "inject arbitrary web script"),
    Weakness.SQL_INJECTION: ("sql injection", "sqli"),
    Weakness.COMMAND_INJECTION: ("command injection", "shell injection", "os command",
                                 "shell metacharacters", "arbitrary commands",
                                 "arbitrary command", "arbitrary shell commands",
                                 "arbitrary os commands", "arbitrary system commands"),
    Weakness.CODE_INJECTION: ("code injection", "template injection", "ssti", "eval",
                              "arbitrary code", "code execution", "rce", "arbitrary python code"),
    Weakness.PATH_TRAVERSAL: ("path traversal", "directory traversal", "zip slip", "zipslip",
                              "arbitrary file read", "arbitrary file write",
                              "arbitrary file overwrite", "read arbitrary files",
                              "write arbitrary files", "overwrite arbitrary files"),
    Weakness.SSRF: ("ssrf", "server side request forgery", "serverside request forgery"),
    Weakness.CSRF: ("csrf", "xsrf", "cross site request forgery"),
    Weakness.OPEN_REDIRECT: ("open redirect", "open redirection", "url redirection",
                             "redirect to arbitrary", "redirect to an arbitrary",
                             "redirect to untrusted", "redirect to malicious"),
    Weakness.XXE: ("xxe", "xml external entity", "xml external entities"),
    Weakness.DESERIALIZATION: ("deserialization", "deserialisation", "deserialize",
                               "deserializing", "deserialise", "unpickling", "pickle",
                               "unmarshal", "unmarshalling", "unsafe load", "unsafe yaml load"),
    Weakness.DENIAL_OF_SERVICE: ("denial of service", "dos", "redos", "resource exhaustion",
                                 "infinite loop", "uncontrolled resource consumption",
                                 "uncontrolled memory", "uncontrolled recursion",
                                 "excessive memory", "excessive cpu", "memory exhaustion",
                                 "crash", "crashes"),
    Weakness.MEMORY_SAFETY: ("buffer overflow", "heap overflow", "stack overflow",
                             "buffer overread", "buffer over read", "out of bounds", "oob",
                             "use after free", "null pointer", "segmentation fault",
                             "segfault", "double free", "integer overflow",
                             "memory corruption", "uninitialized memory",
                             "uninitialised memory"),
    Weakness.ACCESS_CONTROL: ("authentication bypass", "bypass authentication",
                              "improper authentication", "missing authentication",
                              "unauthenticated", "privilege escalation",
                              "escalate privileges", "authorization", "authorisation",
                              "access control", "unauthorized", "unauthorised"),
    Weakness.INFORMATION_EXPOSURE: ("information disclosure", "information exposure",
                                    "information leak", "sensitive information",
                                    "exposure of", "leak", "leaks"),
    Weakness.CRYPTOGRAPHY: ("cryptographic", "cryptography", "weak random", "weak hash",
                            "weak cipher", "weak key", "predictable", "timing attack",
                            "timing side", "certificate validation",
                            "certificate verification", "hostname verification",
                            "man in the middle", "mitm"),
    Weakness.HTTP_SMUGGLING: ("request smuggling", "response splitting", "crlf injection",
                              "header injection"),
}  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+")


def _phrases_by_first_word() -> dict[str, list[tuple[tuple[str, ...], Weakness]]]:
    index: dict[str, list[tuple[tuple[str, ...], Weakness]]] = {}
    for weakness, phrases in _PHRASES.items():
        for phrase in phrases:
            words = tuple(phrase.split())
            index.setdefault(words[0], []).append((words, weakness))
    return index


_BY_FIRST_WORD = _phrases_by_first_word()

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
    words = _WORD.findall(text.lower())
    if _BY_FIRST_WORD.keys().isdisjoint(words):
        return frozenset()
    found: set[Weakness] = set()
    for position, word in enumerate(words):
        for phrase, weakness in _BY_FIRST_WORD.get(word, ()):
            if len(phrase) == 1 or tuple(words[position : position + len(phrase)]) == phrase:
                found.add(weakness)
    return frozenset(found)


def classes_of_cwes(cwe_numbers: frozenset[int]) -> frozenset[Weakness]:
    return frozenset(_CWE_CLASSES[n] for n in cwe_numbers if n in _CWE_CLASSES)
