# "November 28, 2026, 15:05": Intl.DateTimeFormat("en", {day: "numeric", month: "long",
# year: "numeric"}) and {hour: "2-digit", minute: "2-digit", hourCycle: "h23"}.
DATETIME_FORMAT = "F j, Y, H:i"
