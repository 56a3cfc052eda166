"""Constants of the Cloud Telephony integration."""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Final

from .api import (
    CREDENTIAL_API_TOKEN,
    CREDENTIAL_APP_KEY,
    CREDENTIAL_APP_SECRET,
    CREDENTIAL_APPLICATION_ID,
    CREDENTIAL_APPLICATION_TOKEN,
    CREDENTIAL_PASSWORD,
    CREDENTIAL_SYSTEM_NUMBER,
    CREDENTIAL_TOKEN,
    CREDENTIAL_USERCODE,
    SETTING_BASE_URL,
    SETTING_DISPLAY_NUMBER,
    SETTING_LANGUAGE_TYPE,
    SETTING_POST_TONE,
    SETTING_PRE_TONE,
    SETTING_SENDER_ID,
    SETTING_SENDER_ID_VALUE,
    SETTING_SERVER,
)

DOMAIN: Final = "cloud_telephony"
LOGGER = logging.getLogger(__package__)

# Not imported from homeassistant.const: it only exists there in versions after 2025.4.
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_DEVICE_ID: Final = "device_id"

CONF_PROVIDER: Final = "provider"
CONF_ACCOUNT_NAME: Final = "account_name"
# Credentials are stored under the keys the api package's client factories read.
CONF_API_TOKEN: Final = CREDENTIAL_API_TOKEN
CONF_APPLICATION_ID: Final = CREDENTIAL_APPLICATION_ID
CONF_APPLICATION_TOKEN: Final = CREDENTIAL_APPLICATION_TOKEN
CONF_SENDER_ID: Final = SETTING_SENDER_ID
CONF_SENDER_ID_VALUE: Final = SETTING_SENDER_ID_VALUE
CONF_APP_KEY: Final = CREDENTIAL_APP_KEY
CONF_APP_SECRET: Final = CREDENTIAL_APP_SECRET
CONF_BASE_URL: Final = SETTING_BASE_URL
CONF_DISPLAY_NUMBER: Final = SETTING_DISPLAY_NUMBER
CONF_PRE_TONE: Final = SETTING_PRE_TONE
CONF_POST_TONE: Final = SETTING_POST_TONE
CONF_LANGUAGE_TYPE: Final = SETTING_LANGUAGE_TYPE
CONF_USERCODE: Final = CREDENTIAL_USERCODE
CONF_SYSTEM_NUMBER: Final = CREDENTIAL_SYSTEM_NUMBER
CONF_TOKEN: Final = CREDENTIAL_TOKEN
CONF_SERVER: Final = SETTING_SERVER
CONF_PASSWORD: Final = CREDENTIAL_PASSWORD
CONF_CLOUDHOOK_URL: Final = "cloudhook_url"
CONF_COUNTRY: Final = "country"
CONF_BASIC_AUTH_USERNAME: Final = "basic_auth_username"
CONF_BASIC_AUTH_PASSWORD: Final = "basic_auth_password"
CONF_CONTACTS: Final = "contacts"
CONF_STRICT_SIGNATURE: Final = "strict_signature"
CONF_POLL_INTERVAL: Final = "poll_interval"
CONF_RECIPIENTS: Final = "recipients"

# Larger than any provider's documented post (Huawei: 50 records; BulkGate: arrays of replies).
MAX_BODY_BYTES: Final = 1024 * 1024
HISTORY_SIZE: Final = 100
DEDUPE_WINDOW: Final = timedelta(hours=48)
# Provider ids remembered per account for de-duplication: 48 h, and at most this many (a busy
# account forgets its oldest first). Far more than any provider's retries span.
SEEN_LIMIT: Final = 50_000

EVENT_PREFIX: Final = f"{DOMAIN}_"
