# "28 de noviembre de 2026, 15:05": Intl.DateTimeFormat("es", {day: "numeric", month:
# "long", year: "numeric"}) and {hour: "2-digit", minute: "2-digit", hourCycle: "h23"}.
DATETIME_FORMAT = r"j \d\e F \d\e Y, H:i"
