/* Tiny DOM helpers shared by the pages. */

export const byId = (id) => document.getElementById(id);

/* A new element with attributes (`className` sets the class) and text. */
export function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "className") node.className = v; else node.setAttribute(k, v);
  }
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/* Fen -> "12.34". */
export function yuan(fen) { return (fen / 100).toFixed(2); }
