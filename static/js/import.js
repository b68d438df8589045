// The import page: while the server reads or writes the file, say so and keep the
// button from being pressed twice. The page works without this script.
(function () {
  "use strict";

  document.querySelectorAll("form[data-busy]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      const button = event.submitter;
      const status = form.querySelector("[data-busy-status]");
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "1";
      if (button) {
        // A disabled button is not sent with the form: carry its name and value.
        const carried = document.createElement("input");
        carried.type = "hidden";
        carried.name = button.name;
        carried.value = button.value;
        form.append(carried);
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      }
      if (status) status.textContent = form.dataset.busy;
    });
  });
})();
