// The Files tab: send each chosen or dropped file in its own request, with a progress bar per
// file (XMLHttpRequest's upload progress), then reload the list. Without this script the form
// posts all files at once and the page answers as usual.
(function () {
  "use strict";

  function upload(form, file, keepBoth, list) {
    const item = document.createElement("li");
    const label = document.createElement("span");
    const bar = document.createElement("progress");
    label.textContent = file.name + " ";
    bar.max = 100;
    bar.value = 0;
    item.append(label, bar);
    list.append(item);
    return new Promise(function (resolve) {
      const data = new FormData();
      data.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      data.append("description", form.querySelector("[name=description]").value);
      if (keepBoth) data.append("keep_both", "on");
      if (form.querySelector("[name=bookkeeping]").checked) data.append("bookkeeping", "on");
      data.append("files", file, file.name);
      const request = new XMLHttpRequest();
      request.open("POST", form.action || window.location.pathname);
      request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
      });
      request.addEventListener("load", function () {
        let answer = {};
        try { answer = JSON.parse(request.responseText); } catch (e) { answer = {}; }
        if (request.status === 201) {
          bar.value = 100;
          item.classList.add("done");
          resolve(true);
        } else if (request.status === 409 && answer.duplicate) {
          item.remove();
          const question = list.dataset.duplicateQuestion + "\n\n" + answer.detail;
          if (window.confirm(question)) upload(form, file, true, list).then(resolve);
          else resolve(false);
        } else {
          item.classList.add("failed");
          label.textContent = file.name + ": " + (answer.detail || list.dataset.failed) + " ";
          resolve(false);
        }
      });
      request.addEventListener("error", function () {
        item.classList.add("failed");
        label.textContent = file.name + ": " + list.dataset.failed + " ";
        resolve(false);
      });
      request.send(data);
    });
  }

  async function uploadAll(form, files) {
    const list = form.querySelector("[data-upload-list]");
    const keepBoth = form.querySelector("[name=keep_both]").checked;
    let anyDone = false;
    for (const file of files) {
      // One after another: a row at a time, and the server never sees many large bodies at once.
      if (await upload(form, file, keepBoth, list)) anyDone = true;
    }
    const failed = list.querySelector(".failed");
    if (anyDone && !failed) window.location.reload();
    else if (anyDone) list.dataset.reloadNeeded = "1";
  }

  document.addEventListener("DOMContentLoaded", function () {
    const form = document.querySelector("[data-upload-form]");
    if (!form) return;
    const input = form.querySelector("input[type=file]");
    const zone = form.querySelector("[data-dropzone]");
    form.addEventListener("submit", function (event) {
      if (!input.files.length) return;
      event.preventDefault();
      uploadAll(form, Array.from(input.files));
      input.value = "";
    });
    ["dragenter", "dragover"].forEach(function (name) {
      form.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    form.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("dragging");
      const files = Array.from((event.dataTransfer && event.dataTransfer.files) || []);
      if (files.length) uploadAll(form, files);
    });
  });
})();
