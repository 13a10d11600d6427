// Live SMS length while typing a follow-up template (CSP: a static file, no inline script).
// Same rules as runtime/campaigns/sms/segments.py: any character outside GSM 7-bit -> UCS-2,
// 70 in one SMS, 67 a part when longer; GSM 7-bit 160 / 153 (escape characters count twice).
(function () {
  "use strict";
  var GSM = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§" +
    "¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXT = "^{}\\[~]|€\f";

  function measure(text) {
    var chars = Array.from(text);
    var gsm = chars.every(function (c) { return GSM.indexOf(c) >= 0 || EXT.indexOf(c) >= 0; });
    var units = 0, single, multi;
    chars.forEach(function (c) {
      if (gsm) { units += EXT.indexOf(c) >= 0 ? 2 : 1; } else { units += c.codePointAt(0) > 0xFFFF ? 2 : 1; }
    });
    if (gsm) { single = 160; multi = 153; } else { single = 70; multi = 67; }
    var segments = units === 0 ? 0 : (units <= single ? 1 : Math.ceil(units / multi));
    return { units: units, segments: segments };
  }

  function bind(area) {
    var out = document.getElementById(area.getAttribute("data-sms-count"));
    if (!out) { return; }
    var pattern = out.getAttribute("data-pattern") || "{units} / {segments}";
    var max = parseInt(out.getAttribute("data-max") || "0", 10);
    function update() {
      var m = measure(area.value.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*\}/g, ""));
      out.textContent = pattern.replace("{units}", String(m.units)).replace("{segments}", String(m.segments));
      out.classList.toggle("error", max > 0 && m.segments > max);
    }
    area.addEventListener("input", update);
    update();
  }

  function init(root) {
    (root || document).querySelectorAll("textarea[data-sms-count]").forEach(bind);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
  window.huashuSmsMeasure = measure;
})();
