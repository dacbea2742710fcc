"""Plain values of spend alerts: the limits on thresholds and on how many alerts an account has."""

from reporting.amounts import MICROS_PER_CENT, MICROS_PER_DOLLAR

MIN_THRESHOLD = MICROS_PER_CENT
MAX_THRESHOLD = 10_000_000 * MICROS_PER_DOLLAR
# Percent of a spend limit: the limit itself refuses work at 100 %.
MIN_PERCENT = 1
MAX_PERCENT = 100
MAX_THRESHOLDS_PER_ALERT = 5
MAX_ALERTS_PER_ACCOUNT = 50
