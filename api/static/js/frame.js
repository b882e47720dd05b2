/* What every page of the frame shares: Chinese file pickers and, on a narrow screen, the menu toggle. */
import { enhanceAll } from "./lib/filepick.js";

enhanceAll(document.body);

const toggle = document.getElementById("menu-toggle");
const side = document.getElementById("side-menu");
if (toggle && side) {
  toggle.addEventListener("click", () => {
    const open = side.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
}
