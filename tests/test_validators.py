"""The checks Home Assistant's hassfest and the HACS action apply to a custom integration, offline.

Each test names the rule it applies: the validator's module in home-assistant/core
(`script/hassfest/<module>.py`), in hacs/integration (`custom_components/hacs/validate/*.py` and
`utils/validate.py`), or the frontend's reading of translations (ICU MessageFormat, FormatJS).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
import json
from pathlib import Path
import re
from typing import Any
from urllib.parse import urlparse

from awesomeversion import AwesomeVersion, AwesomeVersionException, AwesomeVersionStrategy
from PIL import Image
from pyicumessageformat import Parser
import pytest
import voluptuous as vol
import yaml

from homeassistant.const import Platform

from tests.test_translations import _flatten as _strings, _load as _translations

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "custom_components" / "cloud_telephony"
MANIFEST: dict[str, Any] = json.loads((PACKAGE / "manifest.json").read_text(encoding="utf-8"))
LANGUAGES = sorted(path.stem for path in (PACKAGE / "translations").glob("*.json"))
SERVICES: dict[str, Any] = yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))


# --- manifest.json: hassfest manifest.py, dependencies.py; HACS integration_manifest.py -------------

IOT_CLASSES = {"assumed_state", "calculated", "cloud_polling", "cloud_push", "local_polling", "local_push"}
INTEGRATION_TYPES = {"device", "entity", "hardware", "helper", "hub", "service", "system", "virtual"}
# Keys hassfest knows; anything else is "extra keys not allowed".
MANIFEST_KEYS = {
    "domain",
    "name",
    "after_dependencies",
    "bluetooth",
    "codeowners",
    "config_flow",
    "dependencies",
    "dhcp",
    "documentation",
    "homekit",
    "import_executor",
    "integration_type",
    "iot_class",
    "issue_tracker",
    "loggers",
    "mqtt",
    "requirements",
    "single_config_entry",
    "ssdp",
    "usb",
    "version",
    "zeroconf",
}


def _version(value: str) -> str:
    try:
        AwesomeVersion(
            value,
            ensure_strategy=[
                AwesomeVersionStrategy.CALVER,
                AwesomeVersionStrategy.SEMVER,
                AwesomeVersionStrategy.SIMPLEVER,
                AwesomeVersionStrategy.BUILDVER,
                AwesomeVersionStrategy.PEP440,
            ],
        )
    except AwesomeVersionException as err:
        raise vol.Invalid(f"{value!r} is not a valid version") from err
    return value


def _https_not_core_docs(value: str) -> str:
    url = urlparse(value)
    if url.scheme != "https" or not url.netloc:
        raise vol.Invalid("needs an https URL")
    if url.netloc == "www.home-assistant.io":
        raise vol.Invalid("a custom integration documents itself, not on home-assistant.io")
    return value


def _github_handle(value: str) -> str:
    if not re.fullmatch(r"@[\w.-]+(/[\w.-]+)?", value):
        raise vol.Invalid("code owners are GitHub handles, like @name")
    return value


def _pinned(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9._-]+(\[[\w,]+\])?==[\w.]+", value):
        raise vol.Invalid("requirements are pinned with ==")
    return value


MANIFEST_SCHEMA = vol.Schema(
    {
        vol.Required("domain"): PACKAGE.name,
        vol.Required("name"): vol.All(str, vol.Length(min=1)),
        vol.Required("codeowners"): vol.All([_github_handle], vol.Length(min=1)),
        vol.Required("documentation"): _https_not_core_docs,
        vol.Required("issue_tracker"): _https_not_core_docs,
        vol.Required("iot_class"): vol.In(IOT_CLASSES),
        vol.Required("version"): vol.All(str, _version),
        vol.Optional("config_flow"): bool,
        vol.Optional("integration_type"): vol.In(INTEGRATION_TYPES),
        vol.Optional("dependencies"): [str],
        vol.Optional("after_dependencies"): [str],
        vol.Optional("requirements"): [_pinned],
        vol.Optional("loggers"): [str],
        vol.Optional("single_config_entry"): bool,
    },
    extra=vol.PREVENT_EXTRA,
)


def test_manifest_schema() -> None:
    """Keys and values: hassfest manifest.py (CUSTOM_INTEGRATION_MANIFEST_SCHEMA), HACS's manifest check."""
    assert set(MANIFEST) <= MANIFEST_KEYS
    MANIFEST_SCHEMA(MANIFEST)
    assert not set(MANIFEST.get("dependencies", [])) & set(MANIFEST.get("after_dependencies", []))


def test_manifest_key_order() -> None:
    """Key order: hassfest manifest.py, "Manifest keys are not sorted correctly" (domain, name, a to z)."""
    keys = list(MANIFEST)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])


def test_manifest_requirements_are_the_tested_ones() -> None:
    """What users install (manifest) is what the tests install (requirements_common.txt)."""
    tested = {
        line.split("==")[0].lower(): line.strip()
        for line in (ROOT / "requirements_common.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.startswith("#")
    }
    for requirement in MANIFEST["requirements"]:
        assert tested[requirement.split("==")[0].lower()] == requirement


# Components an integration may use without naming them (hassfest dependencies.py).
ALLOWED_COMPONENTS = {platform.value for platform in Platform} | {
    "alert",
    "automation",
    "conversation",
    "default_config",
    "device_automation",
    "frontend",
    "group",
    "homeassistant",
    "input_boolean",
    "input_button",
    "input_datetime",
    "input_number",
    "input_select",
    "input_text",
    "media_source",
    "onboarding",
    "panel_custom",
    "persistent_notification",
    "person",
    "script",
    "shopping_list",
    "sun",
    "system_health",
    "system_log",
    "timer",
    "webhook",
    "websocket_api",
    "zone",
}


def _referenced_components(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "homeassistant.components":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("homeassistant.components."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.split(".")[2]
                for alias in node.names
                if alias.name.startswith("homeassistant.components.")
            )
    return found


def test_manifest_names_every_component_the_code_uses() -> None:
    """Imported components are dependencies: hassfest dependencies.py ("Using component X but …")."""
    own_platforms = {path.stem for path in PACKAGE.glob("*.py")} | {
        path.name for path in PACKAGE.iterdir() if path.is_dir()
    }
    allowed = (
        ALLOWED_COMPONENTS
        | own_platforms
        | set(MANIFEST.get("dependencies", []))
        | set(MANIFEST.get("after_dependencies", []))
    )
    for module in PACKAGE.rglob("*.py"):
        used = _referenced_components(ast.parse(module.read_text(encoding="utf-8")))
        assert used <= allowed, f"{module.relative_to(PACKAGE)} uses {sorted(used - allowed)}"


def test_api_package_imports_nothing_of_home_assistant() -> None:
    """The provider package could be published on PyPI as it is (inject-websession, async-dependency)."""
    for module in (PACKAGE / "api").rglob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            assert not any(name.split(".")[0] == "homeassistant" for name in names), module


# --- translations/*.json: hassfest translations.py, and the frontend's ICU message format -------------

# hassfest's RE_TRANSLATION_KEY: lowercase, digits, - and _, not at either end, never two in a row.
TRANSLATION_KEY = re.compile(r"^(?!.*[_-]{2})(?![_-])[a-z0-9_-]+(?<![_-])$")
URL = re.compile(
    r"((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5)://|www\.)[a-z0-9]+([.-][a-z0-9]+)*\.[a-z]{2,5}",
    re.IGNORECASE,
)
HTML = re.compile(r"<[a-z/!][^>]*>", re.IGNORECASE)
SLUG = re.compile(r"^[a-z0-9_]+$")


def _key(pattern: re.Pattern[str]) -> Callable[[str], str]:
    def validate(value: str) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            raise vol.Invalid(f"invalid key {value!r}")
        return value

    return validate


def _text(value: Any) -> str:
    """Check a shown string: no HTML, no URL (a placeholder instead), no outer spaces."""
    if not isinstance(value, str) or not value:
        raise vol.Invalid("expected a non-empty string")
    if HTML.search(value):
        raise vol.Invalid("the string should not contain HTML")
    if URL.search(value):
        raise vol.Invalid("the string should not contain URLs, use description placeholders instead")
    if value != value.strip():
        raise vol.Invalid("the string should not contain leading or trailing spaces")
    if re.search(r"'\{\w+\}'", value):
        raise vol.Invalid("the string should not contain placeholders inside single quotes")
    return value


def _plain(value: Any) -> str:
    """Check a state name, which the frontend formats without placeholders."""
    text = _text(value)
    if "{" in text:
        raise vol.Invalid("placeholders are not supported in this value")
    return text


def _keyed(value_schema: Any, key: Callable[[str], str] | None = None) -> dict[Any, Any]:
    return {key or _key(TRANSLATION_KEY): value_schema}


STEP = {
    vol.Optional("title"): _text,
    vol.Optional("description"): _text,
    vol.Optional("data"): _keyed(_text, _key(SLUG)),
    vol.Optional("data_description"): _keyed(_text, _key(SLUG)),
    vol.Optional("menu_options"): _keyed(_text, _key(SLUG)),
    vol.Optional("menu_option_descriptions"): _keyed(_text, _key(SLUG)),
    vol.Optional("submit"): _text,
    vol.Optional("sections"): _keyed(
        {
            vol.Optional("name"): _text,
            vol.Optional("description"): _text,
            vol.Optional("data"): _keyed(_text, _key(SLUG)),
            vol.Optional("data_description"): _keyed(_text, _key(SLUG)),
        },
        _key(SLUG),
    ),
}


def _described_fields_exist(flow: dict[str, Any]) -> dict[str, Any]:
    """hassfest: "data_description key X is not in data"."""
    for step_id, step in flow.get("step", {}).items():
        missing = set(step.get("data_description", {})) - set(step.get("data", {}))
        if missing:
            raise vol.Invalid(f"step {step_id}: data_description of {sorted(missing)} without data")
    return flow


FLOW = vol.All(
    {
        vol.Optional("flow_title"): _text,
        vol.Optional("step"): _keyed(STEP, _key(SLUG)),
        vol.Optional("error"): _keyed(_text, _key(SLUG)),
        vol.Optional("abort"): _keyed(_text, _key(SLUG)),
        vol.Optional("progress"): _keyed(_text, _key(SLUG)),
        vol.Optional("create_entry"): _keyed(_text, _key(SLUG)),
        vol.Optional("initiate_flow"): _keyed(_text, _key(SLUG)),
        vol.Optional("entry_type"): _text,
    },
    _described_fields_exist,
)
STATES = _keyed(_plain)
ENTITY = {
    vol.Optional("name"): _text,
    vol.Optional("state"): STATES,
    vol.Optional("state_attributes"): _keyed({vol.Optional("name"): _plain, vol.Optional("state"): STATES}),
    vol.Optional("unit_of_measurement"): _plain,
}
FIELD = {vol.Required("name"): str, vol.Required("description"): _text, vol.Optional("example"): _text}
TRANSLATIONS_SCHEMA = vol.Schema(
    {
        vol.Optional("title"): _text,
        vol.Optional("config"): FLOW,
        vol.Optional("options"): FLOW,
        vol.Optional("config_subentries"): _keyed(FLOW, _key(SLUG)),
        vol.Optional("device"): _keyed({vol.Optional("name"): _text}),
        vol.Optional("entity"): _keyed(_keyed(ENTITY), _key(SLUG)),
        vol.Optional("exceptions"): _keyed({vol.Optional("message"): _text}, _key(SLUG)),
        vol.Optional("issues"): _keyed(
            {vol.Required("title"): _text, vol.Exclusive("description", "fixable"): _text},
            _key(SLUG),
        ),
        vol.Optional("selector"): _keyed(
            {
                vol.Optional("options"): _keyed(_text),
                vol.Optional("choices"): _keyed(_text),
                vol.Optional("unit_of_measurement"): _keyed(_text),
            },
            _key(SLUG),
        ),
        vol.Optional("services"): _keyed(
            {
                vol.Required("name"): _text,
                vol.Required("description"): _text,
                vol.Optional("fields"): _keyed(FIELD),
                vol.Optional("sections"): _keyed(
                    {vol.Required("name"): str, vol.Optional("description"): _text}
                ),
            }
        ),
        vol.Optional("device_automation"): {str: _keyed(_text, _key(SLUG))},
        # Texts the integration reads itself, in the server's language (hassfest: slug keys).
        vol.Optional("common"): _keyed(_text, _key(SLUG)),
    },
    extra=vol.PREVENT_EXTRA,
)


@pytest.mark.parametrize("language", LANGUAGES)
def test_translation_schema(language: str) -> None:
    """Sections and key shapes: hassfest translations.py (gen_strings_schema).

    Selector option keys included; no HTML, URLs or outer spaces. hassfest reads English only, the
    frontend reads every language the same way.
    """
    TRANSLATIONS_SCHEMA(_translations(language))


def _placeholders(message: list[Any]) -> set[str]:
    names: set[str] = set()
    for part in message:
        if isinstance(part, dict):
            names.add(part["name"])
            for option in (part.get("options") or {}).values():
                names |= _placeholders(option)
    return names


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_an_icu_message(language: str) -> None:
    """Every string parses as an ICU message whose placeholders are identifiers.

    The frontend formats strings with FormatJS: a `{` starts a placeholder, whose name must be an
    identifier (hassfest translations.py, validate_placeholders); anything else shows
    "Translation error: MALFORMED_ARGUMENT" in its place.
    """
    parser = Parser()
    broken: dict[str, str] = {}
    for key, text in _strings(_translations(language)).items():
        try:
            names = _placeholders(parser.parse(text))
        except SyntaxError as err:
            broken[key] = str(err)
            continue
        if bad := sorted(name for name in names if not name.isidentifier()):
            broken[key] = f"placeholders {bad}"
    assert broken == {}


# --- services.yaml: hassfest services.py ------------------------------------------------------------------

SELECTOR_OPTION = vol.Any(str, {vol.Required("value"): str, vol.Required("label"): str})
SERVICE_FIELD = vol.Schema(
    {
        vol.Optional("required"): bool,
        vol.Optional("advanced"): bool,
        vol.Optional("example"): vol.Any(str, int, float, bool, list, dict),
        vol.Optional("default"): object,
        vol.Optional("selector"): vol.All(dict, vol.Length(min=1, max=1)),
        vol.Optional("filter"): dict,
    },
    extra=vol.PREVENT_EXTRA,
)
SERVICES_SCHEMA = vol.Schema(
    {
        _key(SLUG): vol.Any(
            None,
            {
                vol.Optional("target"): vol.Any(dict, None),
                vol.Optional("fields"): {_key(SLUG): SERVICE_FIELD},
            },
        )
    }
)


def test_services_yaml_schema() -> None:
    """Shape of services.yaml: hassfest services.py (CUSTOM_INTEGRATION_SERVICES_SCHEMA)."""
    SERVICES_SCHEMA(SERVICES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_services_and_translations_match(language: str) -> None:
    """Actions and fields are translated: hassfest services.py.

    Every action and field has a name and description in English; no language translates an action
    or field that does not exist.
    """
    translated = _translations(language).get("services", {})
    assert set(translated) <= set(SERVICES)
    for service, spec in SERVICES.items():
        fields = set((spec or {}).get("fields", {}))
        if language == "en":
            assert {"name", "description"} <= set(translated[service]), service
            assert set(translated[service].get("fields", {})) == fields, service
        else:
            assert set(translated.get(service, {}).get("fields", {})) <= fields, service


def _select_selectors(specs: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        field["selector"]["select"]
        for spec in specs.values()
        for field in (spec or {}).get("fields", {}).values()
        if "select" in field.get("selector", {})
    ]


def test_select_options_are_translation_keys_and_translated() -> None:
    """Translated select options are translation keys with an English label.

    The frontend looks them up as selector.<key>.options.<option>; hassfest translations.py
    requires such keys to match [a-z0-9-_]+.
    """
    english = _translations("en").get("selector", {})
    for select in _select_selectors(SERVICES):
        if "translation_key" not in select:
            continue
        labels = english[select["translation_key"]]["options"]
        for option in select["options"]:
            value = option if isinstance(option, str) else option["value"]
            assert TRANSLATION_KEY.match(value), value
            assert value in labels, value


# --- icons.json: hassfest icons.py ----------------------------------------------------------------------


def _icon(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"mdi:[a-z0-9-]+", value):
        raise vol.Invalid(f"{value!r} is not a Material Design Icon (mdi:…)")
    return value


ICON_STATES = _keyed(_icon)
ICONS_SCHEMA = vol.Schema(
    {
        vol.Optional("entity"): _keyed(
            _keyed(
                {
                    vol.Optional("default"): _icon,
                    vol.Optional("state"): ICON_STATES,
                    vol.Optional("range"): {str: _icon},
                    vol.Optional("state_attributes"): _keyed(
                        {vol.Optional("default"): _icon, vol.Optional("state"): ICON_STATES}
                    ),
                }
            ),
            _key(SLUG),
        ),
        vol.Optional("services"): _keyed(
            {vol.Required("service"): _icon, vol.Optional("sections"): ICON_STATES}
        ),
    },
    extra=vol.PREVENT_EXTRA,
)


def test_icons_schema() -> None:
    """Icons by translation key, each an `mdi:` icon, actions of services.yaml: hassfest icons.py."""
    icons = json.loads((PACKAGE / "icons.json").read_text(encoding="utf-8"))
    ICONS_SCHEMA(icons)
    assert set(icons.get("services", {})) <= set(SERVICES)


# --- quality_scale.yaml: hassfest quality_scale.py --------------------------------------------------------

QUALITY_SCALE_RULES = {
    # Bronze
    "action-setup",
    "appropriate-polling",
    "brands",
    "common-modules",
    "config-flow",
    "config-flow-test-coverage",
    "dependency-transparency",
    "docs-actions",
    "docs-conditions",
    "docs-high-level-description",
    "docs-installation-instructions",
    "docs-removal-instructions",
    "docs-triggers",
    "entity-event-setup",
    "entity-unique-id",
    "has-entity-name",
    "runtime-data",
    "test-before-configure",
    "test-before-setup",
    "unique-config-entry",
    # Silver
    "action-exceptions",
    "config-entry-unloading",
    "docs-configuration-parameters",
    "docs-installation-parameters",
    "entity-unavailable",
    "integration-owner",
    "log-when-unavailable",
    "parallel-updates",
    "reauthentication-flow",
    "test-coverage",
    # Gold
    "devices",
    "diagnostics",
    "discovery",
    "discovery-update-info",
    "docs-data-update",
    "docs-examples",
    "docs-known-limitations",
    "docs-supported-devices",
    "docs-supported-functions",
    "docs-troubleshooting",
    "docs-use-cases",
    "dynamic-devices",
    "entity-category",
    "entity-device-class",
    "entity-disabled-by-default",
    "entity-translations",
    "exception-translations",
    "icon-translations",
    "reconfiguration-flow",
    "repair-issues",
    "stale-devices",
    # Platinum
    "async-dependency",
    "inject-websession",
    "strict-typing",
}


def _exempt_has_comment(rule: dict[str, str]) -> dict[str, str]:
    if rule["status"] == "exempt" and not rule.get("comment"):
        raise vol.Invalid("an exempt rule needs a comment")
    return rule


RULE_STATUS = vol.Any(
    vol.In(["done", "todo"]),
    vol.All(
        {vol.Required("status"): vol.In(["done", "todo", "exempt"]), vol.Optional("comment"): str},
        _exempt_has_comment,
    ),
)


def test_quality_scale_file() -> None:
    """Every rule, done/todo or exempt with a comment: hassfest quality_scale.py (SCHEMA)."""
    scale = yaml.safe_load((PACKAGE / "quality_scale.yaml").read_text(encoding="utf-8"))
    vol.Schema({vol.Required("rules"): {vol.In(QUALITY_SCALE_RULES): RULE_STATUS}})(scale)
    assert set(scale["rules"]) == QUALITY_SCALE_RULES


# --- hacs.json and brand assets: HACS validate/hacsjson.py, validate/brands.py -----------------------------

COUNTRIES = re.compile(r"^[A-Z]{2}$")
HACS_SCHEMA = vol.Schema(
    {
        vol.Required("name"): str,
        vol.Optional("content_in_root"): bool,
        vol.Optional("country"): vol.Any(vol.Match(COUNTRIES), [vol.Match(COUNTRIES)]),
        vol.Optional("filename"): str,
        vol.Optional("hacs"): _version,
        vol.Optional("hide_default_branch"): bool,
        vol.Optional("homeassistant"): _version,
        vol.Optional("persistent_directory"): str,
        vol.Optional("zip_release"): bool,
    },
    extra=vol.PREVENT_EXTRA,
)


def test_hacs_json() -> None:
    """Keys of hacs.json: HACS utils/validate.py (HACS_MANIFEST_JSON_SCHEMA).

    Without keys HACS's docs dropped (render_readme); the minimum version is the one the minimum
    test run uses; one integration in the repository.
    """
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    HACS_SCHEMA(hacs)
    minimum = re.search(r"^homeassistant==(\S+)$", (ROOT / "requirements_test_min.txt").read_text(), re.M)
    assert minimum is not None
    assert hacs["homeassistant"] == minimum.group(1)
    assert [path.name for path in (ROOT / "custom_components").iterdir() if path.is_dir()] == [PACKAGE.name]


# Square icons of exact sizes; logos with their shortest side in a range (HA brands README).
BRAND_IMAGES: dict[str, Callable[[tuple[int, int]], bool]] = {
    "icon.png": lambda size: size == (256, 256),
    "icon@2x.png": lambda size: size == (512, 512),
    "dark_icon.png": lambda size: size == (256, 256),
    "dark_icon@2x.png": lambda size: size == (512, 512),
    "logo.png": lambda size: 128 <= min(size) <= 256,
    "logo@2x.png": lambda size: 256 <= min(size) <= 512,
    "dark_logo.png": lambda size: 128 <= min(size) <= 256,
    "dark_logo@2x.png": lambda size: 256 <= min(size) <= 512,
}


def test_brand_assets() -> None:
    """Brand images in `custom_components/<domain>/brand/`: HACS validate/brands.py, HA 2026.3+.

    At least icon.png; every file a PNG of its documented size.
    """
    brand = PACKAGE / "brand"
    assert (brand / "icon.png").is_file()
    for image in brand.iterdir():
        assert image.name in BRAND_IMAGES, image.name
        with Image.open(image) as opened:
            assert opened.format == "PNG", image.name
            assert BRAND_IMAGES[image.name](opened.size), (image.name, opened.size)
