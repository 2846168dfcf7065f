// Narrows the organization tree as the user types; the search button still asks the
// server, which also finds organizations below a cut tree.
(function () {
  const input = document.getElementById("tree-filter");
  const tree = document.getElementById("org-tree");
  if (!input || !tree) return;
  const items = Array.from(tree.querySelectorAll("li[data-name]"));
  const initiallyOpen = new Map(items.map((li) => {
    const details = li.querySelector(":scope > details");
    return [li, details ? details.open : false];
  }));

  function apply() {
    const needle = input.value.trim().toLowerCase();
    // Deepest first, so each item knows whether any child stays visible.
    for (const li of items.slice().reverse()) {
      const matches = !needle || li.dataset.name.toLowerCase().includes(needle);
      const children = li.querySelectorAll(":scope > details > ul > li");
      const childShown = Array.from(children).some((child) => !child.hidden);
      li.hidden = !(matches || childShown);
      const details = li.querySelector(":scope > details");
      if (details) details.open = needle ? childShown : initiallyOpen.get(li);
    }
  }
  input.addEventListener("input", apply);
  // The browser may restore typed text on "back"; filter for it at once.
  if (input.value) apply();
})();
