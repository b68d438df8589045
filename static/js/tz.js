// Times in the reader's zone, written as the server writes them (annotator/templatetags/
// when.py): "November 28, 2026, 15:05 CST", "28 de noviembre de 2026, 15:05 CST".
//
// The server shows times in the person's chosen zone, else in the zone of the `tz` cookie
// this script sets (annotator.middleware.PersonLocaleMiddleware), else UTC. So that the
// first page is right too, before the server has seen the cookie, every
// <time data-when> (its text) and <time data-when-title> (its title) is rewritten here
// into the browser's zone; without JavaScript the server's text stays.
(function () {
  "use strict";
  const root = document.documentElement;
  const meta = document.querySelector('meta[name="time-zone"]');
  const serverZone = (meta && meta.content) || "UTC";
  let browserZone = "";
  try { browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { browserZone = ""; }
  // IANA names (America/Bogota, Etc/GMT+5) need no escaping in a cookie; anything else is skipped.
  if (!/^[A-Za-z0-9_+\-/]{1,64}$/.test(browserZone)) browserZone = "";
  const chosen = Boolean(meta && meta.hasAttribute("data-chosen"));
  const zone = chosen || !browserZone ? serverZone : browserZone;

  // The zone as Intl names it in en-US ("UTC", "CST", "EDT", else "GMT+9"): the same
  // names the server gives (when.zone_name), in either language.
  function zoneName(date, timeZone) {
    const part = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "short" })
      .formatToParts(date).find((p) => p.type === "timeZoneName");
    return part ? part.value : timeZone;
  }

  // DATETIME_FORMAT of annotator/locale_formats/<language>/formats.py, then the zone.
  function formatWhen(iso, timeZone) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return null;
    const tz = timeZone || zone;
    const lang = root.lang || "en";
    try {
      const day = new Intl.DateTimeFormat(lang, { timeZone: tz, day: "numeric", month: "long", year: "numeric" }).format(date);
      const time = new Intl.DateTimeFormat(lang, { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(date);
      return `${day}, ${time} ${zoneName(date, tz)}`;
    } catch (e) {
      return null; // a zone this browser does not know: the server's text stays
    }
  }

  function rewrite(scope) {
    scope.querySelectorAll("time[data-when]").forEach((el) => {
      const text = formatWhen(el.dateTime);
      if (text) el.textContent = text;
    });
    scope.querySelectorAll("time[data-when-title]").forEach((el) => {
      const text = formatWhen(el.dateTime);
      if (text) el.title = text;
    });
  }

  window.Claimmark = Object.assign(window.Claimmark || {}, { timeZone: zone, formatWhen });

  if (browserZone) {
    const current = document.cookie.split("; ").find((c) => c.startsWith("tz="));
    if (!current || current.slice(3) !== browserZone) {
      document.cookie = `tz=${browserZone}; path=/; max-age=31536000; samesite=lax`;
    }
  }
  // Later requests (pages, htmx fragments) carry the cookie, so the server writes them
  // in this zone itself.
  if (zone !== serverZone) rewrite(document);
}());
