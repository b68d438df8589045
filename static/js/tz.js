// Times are shown in the reader's zone: tell the server the browser's zone in a cookie
// (annotator.middleware.PersonLocaleMiddleware reads it unless the person chose one).
(function () {
  "use strict";
  let zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
  // IANA names (America/Bogota, Etc/GMT+5) need no escaping in a cookie; anything else is skipped.
  if (!/^[A-Za-z0-9_+\-/]{1,64}$/.test(zone)) return;
  const current = document.cookie.split("; ").find((c) => c.startsWith("tz="));
  if (current && current.slice(3) === zone) return;
  document.cookie = `tz=${zone}; path=/; max-age=31536000; samesite=lax`;
}());
