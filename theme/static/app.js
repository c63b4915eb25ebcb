// tepei: progressive enhancement only. Every form works without this file.
(function () {
  "use strict";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  // Self-check: post the answers and show the verdict the server rendered, without leaving the
  // page (the same verdict the page shows without JavaScript).
  function enhanceEligibility(form) {
    var region = document.getElementById("verdict");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(new FormData(form)).toString()
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      }).then(function (html) {
        var answer = new DOMParser().parseFromString(html, "text/html").getElementById("verdict");
        if (!answer) throw new Error("no verdict");
        var heading = region.querySelector("h2");
        region.replaceChildren(heading);
        Array.prototype.slice.call(answer.children).forEach(function (node) {
          if (node.tagName !== "H2") region.appendChild(document.importNode(node, true));
        });
      }).catch(function () {
        region.replaceChildren(el("p", { "class": "field-error" }, "暂时无法完成自测，请稍后重试，或关闭浏览器脚本后提交。"));
      }).finally(function () {
        button.disabled = false;
        region.focus();
      });
    });
  }

  document.querySelectorAll("form[data-eligibility]").forEach(enhanceEligibility);

  // Fields that apply only to some units: shown when they apply (without the script, all are
  // shown, each saying when it applies).
  document.querySelectorAll("form").forEach(function (form) {
    var fields = form.querySelectorAll("[data-show-when]");
    if (!fields.length) return;
    function update() {
      fields.forEach(function (field) {
        var rule = field.getAttribute("data-show-when");
        var negate = rule.indexOf("!=") > 0;
        var parts = rule.split(negate ? "!=" : "=");
        var checked = form.querySelector("input[name='" + parts[0] + "']:checked");
        var value = checked ? checked.value : "";
        var match = parts[1].split("|").indexOf(value) >= 0;
        field.hidden = value !== "" && (negate ? match : !match);
      });
    }
    form.addEventListener("change", update);
    update();
  });

  // 性别 and 出生日期 follow from the 身份证号: shown as it is typed.
  document.querySelectorAll("#f-id_number").forEach(function (input) {
    var out = document.getElementById("f-id_number-derived");
    if (!out) return;
    function update() {
      var id = input.value.trim().toUpperCase();
      var m = /^\d{6}(\d{4})(\d{2})(\d{2})\d{2}(\d)[\dX]$/.exec(id);
      out.hidden = !m;
      if (m) out.textContent = "性别：" + (Number(m[4]) % 2 ? "男" : "女") + "　出生日期：" + Number(m[1]) + "年" + Number(m[2]) + "月" + Number(m[3]) + "日";
    }
    input.addEventListener("input", update);
    update();
  });
  // The printed 申报表: a button, for phones that have no Ctrl+P.
  // What only the script does (keeping a draft) is said only where the script runs.
  document.querySelectorAll("[data-needs-script]").forEach(function (node) { node.hidden = false; });
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  // Proof documents: check each file at once, upload it straight away with progress, and send
  // only its key with the form. Without this script the form posts the files itself.
  var TYPES = { "application/pdf": 1, "image/jpeg": 1, "image/png": 1 };
  // The application's submission_id: each upload is issued for it, so no other application can
  // name the file. The form page drawn as a static file has none yet: one is drawn here.
  function submissionId(form) {
    var field = form && form.querySelector("input[name=submission_id]");
    if (!field) return "";
    if (!field.value) {
      var bytes = new Uint8Array(16);
      var crypto = window.crypto || window.msCrypto;
      if (crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
      else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
      field.value = Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
    }
    return field.value;
  }
  function enhanceUploads(fieldset) {
    var max = Number(fieldset.getAttribute("data-max-bytes")) || 10485760;
    var form = fieldset.form || fieldset.closest("form");
    fieldset.querySelectorAll("input[type=file][data-kind]").forEach(function (input) {
      var state = document.getElementById(input.id + "-state");
      input.addEventListener("change", function () {
        var file = input.files && input.files[0];
        if (!file) return;
        var say = function (text, bad) {
          state.textContent = text;
          state.className = "upload-state" + (bad ? " field-error" : "");
        };
        if (!TYPES[file.type]) { input.value = ""; return say("只能上传PDF、JPEG或PNG文件。", true); }
        if (file.size > max) { input.value = ""; return say("文件不能超过" + Math.round(max / 1048576) + "MB。", true); }
        say("正在上传……");
        fetch("/api/uploads", {
          method: "POST",
          headers: { "Content-Type": "application/json", "Accept": "application/json" },
          body: JSON.stringify({ kind: input.getAttribute("data-kind"), name: file.name, size: file.size, content_type: file.type, submission_id: submissionId(form) })
        }).then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.message); return j; }); })
          .then(function (target) {
            var data = new FormData();
            Object.keys(target.fields || {}).forEach(function (k) { data.append(k, target.fields[k]); });
            data.append("file", file);
            var xhr = new XMLHttpRequest();
            xhr.open("POST", target.url);
            var bar = document.createElement("progress");
            bar.max = 100; bar.value = 0;
            state.replaceChildren(bar);
            xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = Math.round(e.loaded * 100 / e.total); };
            xhr.onload = function () {
              var reply = {};
              try { reply = JSON.parse(xhr.responseText || "{}"); } catch (e) { reply = {}; }
              if (xhr.status >= 300) {
                // Our own endpoint answers JSON; the bucket answers S3's XML error codes.
                var text = xhr.responseText || "";
                input.value = "";
                return say(reply.message ||
                  (/EntityTooLarge/.test(text) ? "文件不能超过" + Math.round(max / 1048576) + "MB。" :
                   /expired/i.test(text) ? "上传链接已过期，请重新选择文件。" : "上传失败，请重试。"), true);
              }
              var hidden = document.createElement("input");
              hidden.type = "hidden"; hidden.name = "attachment";
              hidden.value = target.key + "|" + input.getAttribute("data-kind") + "|" + file.name;
              fieldset.appendChild(hidden);
              input.value = "";
              // Every file kept for this kind is listed with its own 删除: a second one chosen is
              // added, never silently dropped or doubled.
              var list = document.getElementById(input.id + "-files");
              if (!list) {
                list = el("ul", { "class": "files-chosen", id: input.id + "-files" });
                state.parentNode.insertBefore(list, state.nextSibling);
              }
              var item = el("li", {}, file.name + " ");
              var remove = el("button", { type: "button", "class": "link-button", "aria-label": "删除 " + file.name }, "删除");
              remove.addEventListener("click", function () {
                hidden.remove();
                item.remove();
                say(list.children.length ? "已删除：" + file.name : "已删除：" + file.name + "。请重新选择文件。");
              });
              item.appendChild(remove);
              list.appendChild(item);
              settleMissing(fieldset, input);
              say(list.children.length > 1
                ? "已上传：" + file.name + "。本类现有" + list.children.length + "个文件，都会提交；不需要的请点“删除”。"
                : "已上传：" + file.name);
            };
            xhr.onerror = function () { input.value = ""; say("网络中断，上传失败，请重试。", true); };
            xhr.send(data);
          })
          .catch(function (e) { input.value = ""; say(e.message || "上传失败，请重试。", true); });
      });
    });
  }
  document.querySelectorAll("fieldset[data-max-bytes]").forEach(enhanceUploads);

  // A kind that now has a file is no longer missing: its "请上传…" goes from the error summary
  // (its count follows; the summary goes with its last item) and from beside the documents.
  function settleMissing(fieldset, input) {
    var label = document.querySelector("label[for='" + input.id + "']");
    if (!label) return;
    var asked = "请上传" + label.textContent.trim();
    var stale = function (text) {
      text = text.replace(/^错误：/, "").trim();
      return text === asked || text.indexOf(asked + "（") === 0;
    };
    fieldset.querySelectorAll(".field-error").forEach(function (p) {
      if (p.parentNode === fieldset && stale(p.textContent)) p.remove();
    });
    var summary = document.getElementById("error-summary");
    if (!summary) return;
    summary.querySelectorAll("li").forEach(function (li) { if (stale(li.textContent)) li.remove(); });
    var left = summary.querySelectorAll("li").length;
    var title = document.getElementById("error-summary-title");
    if (!left) summary.remove();
    else if (title) title.textContent = title.textContent.replace(/\d+/, String(left));
  }

  // A draft of the application, kept in this tab (sessionStorage) as it is typed and restored
  // after a reload. It never holds the 身份证号 or files, and goes once the application is taken
  // (the confirmation clears it), so nothing stays behind on a shared office computer.
  function keepDraft(form) {
    var key = "tepei-draft-" + form.getAttribute("data-draft");
    var skip = { id_number: 1, submission_id: 1, website: 1 };
    var store;
    try { store = window.sessionStorage; store.getItem(key); } catch (e) { return; }
    var kept = function (field) {
      return field.name && !skip[field.name] && ["file", "hidden", "submit", "button"].indexOf(field.type) < 0;
    };
    var saved = {};
    try { saved = JSON.parse(store.getItem(key) || "{}"); } catch (e) { saved = {}; }
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!kept(field) || !(field.name in saved)) return;
      var value = saved[field.name];
      if (field.type === "radio") {
        if (!form.querySelector("input[name='" + field.name + "']:checked")) field.checked = field.value === value;
      } else if (field.type === "checkbox") {
        if (!field.checked) field.checked = value === true;
      } else if (!field.value) {
        field.value = value;
      }
    });
    var save = function () {
      var data = {};
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!kept(field)) return;
        if (field.type === "radio") { if (field.checked) data[field.name] = field.value; }
        else if (field.type === "checkbox") data[field.name] = field.checked;
        else if (field.value) data[field.name] = field.value;
      });
      try { store.setItem(key, JSON.stringify(data)); } catch (e) { /* storage full or off */ }
    };
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    // Answers carried in from the self-check are kept too, so a reload of /apply/ keeps them.
    save();
  }
  document.querySelectorAll("form[data-draft]").forEach(keepDraft);
  document.querySelectorAll("[data-clear-draft]").forEach(function (box) {
    try { window.sessionStorage.removeItem("tepei-draft-" + box.getAttribute("data-clear-draft")); } catch (e) { /* off */ }
  });

  // The form reached from the self-check's 前往在线申报 (answered at /api/eligibility) is the
  // application form: the address bar says so, and the page opens at its intro and 申报时间.
  if (location.pathname === "/api/eligibility" && document.getElementById("apply-form")) {
    try { history.replaceState(null, "", "/apply/"); } catch (e) { /* an old browser keeps the address */ }
    window.scrollTo(0, 0);
  }

  // An error summary takes focus so screen readers announce it.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
