"""Plain values of spend alerts: the limits on a threshold and on how many alerts an account has."""

from reporting.amounts import MICROS_PER_CENT, MICROS_PER_DOLLAR

MIN_THRESHOLD = MICROS_PER_CENT
MAX_THRESHOLD = 10_000_000 * MICROS_PER_DOLLAR
MAX_ALERTS_PER_ACCOUNT = 50
