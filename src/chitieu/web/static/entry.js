/* The entry page: flags a value outside its expected range (or readable two ways) while it is
   typed, asks before leaving with typed values unsaved, puts the focus back where the user was
   after a save, and asks to confirm an approval or a return. Numbers are read as the server
   reads them (collect/numbers.py): whatever the page's language, an unambiguous spelling as
   written, an ambiguous one by the unit's habit (data-habit) or not at all. */
(function () {
  "use strict";
  var form = document.getElementById("entry");

  function readIn(body, group, dec) {
    var g = group === "." ? "\\." : ",", d = dec === "." ? "\\." : ",";
    var rx = new RegExp("^(?:(?:[1-9][0-9]{0,2}(?:" + g + "[0-9]{3})+|[0-9]+)(?:" + d + "[0-9]+)?|" + d + "[0-9]+)$");
    if (!rx.test(body)) return null;
    return parseFloat(body.split(group).join("").replace(dec, "."));
  }

  /* {value, ambiguous, readings} of a typed text; null when it is no number */
  function read(text, habit) {
    var t = text.replace(/[\s\u00a0\u2007\u2009\u202f]+/g, " ").trim().replace(/%$/, "").trim();
    if (!t) return null;
    var sign = 1;
    if (t[0] === "-" || t[0] === "\u2212") { sign = -1; t = t.slice(1).trim(); }
    else if (t[0] === "+") { t = t.slice(1).trim(); }
    if (t.indexOf(" ") >= 0) {
      if (!/^[0-9]{1,3}(?: [0-9]{3})+(?:[.,][0-9]+)?$/.test(t)) return null;
      t = t.split(" ").join("");
    }
    var vi = readIn(t, ".", ","), en = readIn(t, ",", ".");
    if (vi === null && en === null) return null;
    if (vi !== null && en !== null && vi !== en) {
      var pick = habit === "vi" ? vi : habit === "en" ? en : null;
      return { value: pick === null ? null : sign * pick, ambiguous: pick === null };
    }
    return { value: sign * (vi !== null ? vi : en), ambiguous: false };
  }

  function flag(input) {
    var box = document.getElementById("flag__" + input.name.slice(3));
    if (!box || !form) return;
    /* a value left as the page wrote it is read in the page's own language */
    var unchanged = input.value === input.defaultValue;
    var got = read(input.value, unchanged ? document.documentElement.lang : (form.dataset.habit || ""));
    var low = input.dataset.low, high = input.dataset.high, msg = "";
    if (got && got.ambiguous) msg = form.dataset.msgAmbiguous;
    else if (got && got.value !== null && ((low !== undefined && got.value < parseFloat(low)) ||
             (high !== undefined && got.value > parseFloat(high)))) msg = form.dataset.msgOutside;
    box.textContent = msg || "";
    input.closest(".entry-row").classList.toggle("outside", !!msg);
  }

  if (form) {
    var dirty = false, last = "";
    form.addEventListener("input", function (e) {
      dirty = true;
      if (e.target.id) last = e.target.id;
      if (e.target.classList.contains("value")) flag(e.target);
    });
    form.addEventListener("submit", function () {
      dirty = false;
      var f = document.getElementById("focus-field");
      var active = document.activeElement;
      if (f) f.value = last || (active && active.id && active.form === form ? active.id : "");
    });
    window.addEventListener("beforeunload", function (e) {
      if (!dirty) return undefined;
      e.preventDefault();
      e.returnValue = form.dataset.msgLeave || "";
      return e.returnValue;
    });
    /* an upload leaves the page: the values typed but not saved go with it, and a refused
       upload shows them again as typed (a successful one replaces them with the file's) */
    var upload = document.getElementById("upload");
    if (upload) upload.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.querySelectorAll("input[name^=v__], input[name^=c__], input[name^=b__], input[name^=bc__]"), function (i) {
        var copy = document.createElement("input");
        copy.type = "hidden"; copy.name = i.name; copy.value = i.value;
        upload.appendChild(copy);
      });
      dirty = false;
    });
    Array.prototype.forEach.call(form.querySelectorAll("input.value"), function (i) {
      if (!i.readOnly && i.value) flag(i);
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("button[data-confirm]"), function (b) {
    b.addEventListener("click", function (e) {
      if (!window.confirm(b.dataset.confirm)) e.preventDefault();
    });
  });

  /* focus: where the user was before saving, else the first problem, else the message */
  var params = new URLSearchParams(window.location.search);
  var target = document.getElementById(params.get("focus") || "") ||
    document.getElementById("upload-problem") ||
    document.querySelector("#need-reasons, [aria-invalid=true], #problem, .alert.ok");
  if (target) {
    if (!/^(INPUT|SELECT|TEXTAREA|BUTTON|A)$/.test(target.tagName)) target.setAttribute("tabindex", "-1");
    target.focus();
  }
})();
