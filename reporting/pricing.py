"""Products, models and unit prices, as data with the date each price applies from.

Cost is computed once, when an event is recorded, in integer micro-dollars
(1 USD = 1,000,000), and stored with the event: a later price change never
rewrites history.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from reporting.amounts import MICROS_PER_DOLLAR

SPEECH_TO_TEXT = "speech_to_text"
STREAMING = "streaming"
LLM_GATEWAY = "llm_gateway"

# Stored as small integers: the events table is meant for tens of millions of rows.
PRODUCT_IDS = {SPEECH_TO_TEXT: 1, STREAMING: 2, LLM_GATEWAY: 3}
PRODUCT_CODES = {number: code for code, number in PRODUCT_IDS.items()}
PRODUCT_LABELS = {
    SPEECH_TO_TEXT: "Speech-to-text",
    STREAMING: "Streaming",
    LLM_GATEWAY: "LLM Gateway",
}

SECOND = "second"
INPUT_TOKEN = "input_token"
OUTPUT_TOKEN = "output_token"
UNIT_IDS = {SECOND: 1, INPUT_TOKEN: 2, OUTPUT_TOKEN: 3}
UNIT_CODES = {number: code for code, number in UNIT_IDS.items()}
# The units each product is measured in; the first is the default.
PRODUCT_UNITS = {
    SPEECH_TO_TEXT: (SECOND,),
    STREAMING: (SECOND,),
    LLM_GATEWAY: (INPUT_TOKEN, OUTPUT_TOKEN),
}


@dataclass(frozen=True)
class Price:
    product: str
    model: str
    unit: str
    # Dollars for `per` units: per audio hour, per session hour, per million tokens.
    dollars: Decimal
    per: int
    effective_from: date

    @property
    def micros_per_unit(self) -> Decimal:
        return self.dollars * MICROS_PER_DOLLAR / self.per


HOUR = 3600
MILLION = 1_000_000
_START = date(2024, 1, 1)

PRICES = [
    # Speech-to-text, per audio hour.
    Price(SPEECH_TO_TEXT, "best", SECOND, Decimal("0.37"), HOUR, _START),
    Price(SPEECH_TO_TEXT, "universal", SECOND, Decimal("0.15"), HOUR, _START),
    Price(SPEECH_TO_TEXT, "nano", SECOND, Decimal("0.12"), HOUR, _START),
    Price(SPEECH_TO_TEXT, "slam-1", SECOND, Decimal("0.27"), HOUR, _START),
    # Our offline engines: pocketsphinx (until 2026-12, kept for history), faster-whisper.
    Price(SPEECH_TO_TEXT, "pocketsphinx", SECOND, Decimal("0.05"), HOUR, _START),
    Price(SPEECH_TO_TEXT, "faster-whisper", SECOND, Decimal("0.05"), HOUR, _START),
    # Streaming, per session hour.
    Price(STREAMING, "universal-streaming", SECOND, Decimal("0.15"), HOUR, _START),
    Price(STREAMING, "universal-streaming-multilingual", SECOND, Decimal("0.15"), HOUR, _START),
    # LLM Gateway, per million input / output tokens.
    Price(LLM_GATEWAY, "claude-sonnet-4", INPUT_TOKEN, Decimal("3.00"), MILLION, _START),
    Price(LLM_GATEWAY, "claude-sonnet-4", OUTPUT_TOKEN, Decimal("15.00"), MILLION, _START),
    Price(LLM_GATEWAY, "claude-haiku-4-5", INPUT_TOKEN, Decimal("1.00"), MILLION, _START),
    Price(LLM_GATEWAY, "claude-haiku-4-5", OUTPUT_TOKEN, Decimal("5.00"), MILLION, _START),
    Price(LLM_GATEWAY, "gpt-4.1", INPUT_TOKEN, Decimal("2.00"), MILLION, _START),
    Price(LLM_GATEWAY, "gpt-4.1", OUTPUT_TOKEN, Decimal("8.00"), MILLION, _START),
]

PRODUCT_MODELS = {
    product: sorted({p.model for p in PRICES if p.product == product}) for product in PRODUCT_IDS
}


class PricingError(ValueError):
    """Unknown product, model or unit, or no price in force at that time; safe to show."""


def unit_for(product: str, unit: str | None) -> str:
    """The unit an event of `product` is measured in (its default when `unit` is None)."""
    if product not in PRODUCT_UNITS:
        raise PricingError(f"Unknown product {product!r}: use one of {', '.join(PRODUCT_IDS)}.")
    if unit is None:
        return PRODUCT_UNITS[product][0]
    if unit not in PRODUCT_UNITS[product]:
        allowed = ", ".join(PRODUCT_UNITS[product])
        raise PricingError(f"Unit {unit!r} does not apply to {product}: use {allowed}.")
    return unit


def price_for(product: str, model: str, unit: str, at: datetime | date) -> Price:
    """The price in force for (product, model, unit) at `at`."""
    day = at.date() if isinstance(at, datetime) else at
    return _price_on(product, model, unit, day)


@lru_cache(maxsize=4096)
def _price_on(product: str, model: str, unit: str, day: date) -> Price:
    candidates = [
        p
        for p in PRICES
        if p.product == product and p.model == model and p.unit == unit and p.effective_from <= day
    ]
    if not candidates:
        if model not in PRODUCT_MODELS.get(product, ()):
            known = ", ".join(PRODUCT_MODELS.get(product, ()))
            raise PricingError(f"Unknown model {model!r} for {product}: use one of {known}.")
        raise PricingError(f"No price for {product} {model} on {day.isoformat()}.")
    return max(candidates, key=lambda p: p.effective_from)


def cost_micros(*, product: str, model: str, unit: str, quantity, at) -> int:
    """The cost of `quantity` units, in integer micro-dollars, rounded half up."""
    price = price_for(product, model, unit, at)
    exact = Decimal(quantity) * price.micros_per_unit
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
