"""The CSAF 2.0 product tree of an advisory, and which product ids are affected or fixed.

Branches go vendor -> product_name -> versions: a ``product_version_range`` (named by its vers
range) for each affected range, a ``product_version`` for each single affected version and for
each fixed version. Every product carries its package URL as identification helper (with the
version, for single versions). Product ids are numbered in document order, so the same advisory
always gives the same ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from akrites.domain.advisory import Advisory, AffectedPackage
from akrites.domain.advisory_versions import range_vers


@dataclass(slots=True)
class PackageProducts:
    """The product ids one package contributed: affected ones, and fixed ones."""

    package: AffectedPackage
    affected: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ProductTree:
    branches: list[dict[str, Any]]
    packages: list[PackageProducts]

    @property
    def affected(self) -> list[str]:
        return [pid for products in self.packages for pid in products.affected]

    @property
    def fixed(self) -> list[str]:
        return [pid for products in self.packages for pid in products.fixed]


def product_tree(advisory: Advisory) -> ProductTree:
    counter = _Counter()
    vendors: dict[str, list[dict[str, Any]]] = {}
    packages = []
    for package in advisory.affected:
        products = PackageProducts(package)
        packages.append(products)
        vendors.setdefault(package.vendor_name, []).append(
            _product_branch(package, products, counter)
        )
    branches = [
        {"category": "vendor", "name": vendor, "branches": product_branches}
        for vendor, product_branches in vendors.items()
    ]
    return ProductTree(branches=branches, packages=packages)


class _Counter:
    def __init__(self) -> None:
        self.value = 0

    def next_id(self) -> str:
        self.value += 1
        return f"CSAFPID-{self.value:04d}"


def _product_branch(
    package: AffectedPackage, products: PackageProducts, counter: _Counter
) -> dict[str, Any]:
    name = package.product_name
    children: list[dict[str, Any]] = []
    for affected in package.ranges:
        vers = range_vers(package, affected)
        pid = counter.next_id()
        products.affected.append(pid)
        children.append(_leaf("product_version_range", vers, f"{name} {vers}", pid, package.purl))
    for version in package.versions:
        pid = counter.next_id()
        products.affected.append(pid)
        purl = package.purl_at(version)
        children.append(_leaf("product_version", version, f"{name} {version}", pid, purl))
    for version in package.fixed_versions:
        pid = counter.next_id()
        products.fixed.append(pid)
        purl = package.purl_at(version)
        children.append(_leaf("product_version", version, f"{name} {version}", pid, purl))
    branch: dict[str, Any] = {"category": "product_name", "name": name}
    if children:
        branch["branches"] = children
    else:
        # Nothing is known of the versions: the product as a whole is affected.
        pid = counter.next_id()
        products.affected.append(pid)
        branch["product"] = _product(name, pid, package.purl)
    return branch


def _leaf(category: str, name: str, full_name: str, pid: str, purl: str) -> dict[str, Any]:
    return {"category": category, "name": name, "product": _product(full_name, pid, purl)}


def _product(name: str, pid: str, purl: str) -> dict[str, Any]:
    return {"name": name, "product_id": pid, "product_identification_helper": {"purl": purl}}
