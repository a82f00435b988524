/**
 * The demo's tabs (Console | SQL | SSH): each `[role="tab"]` in `#tabs` shows the panel
 * its aria-controls names and hides the others. The panels stay independent: switching
 * tabs keeps their sockets and state. The URL hash (#sql) picks the tab on load.
 */

/** Wires the tab bar; `#panel-id` in the URL selects that panel first. */
export function setUpTabs(): void {
  const tabs = Array.from(document.querySelectorAll<HTMLButtonElement>('#tabs [role="tab"]'));
  const panelOf = (tab: HTMLButtonElement): HTMLElement | null => document.getElementById(tab.getAttribute('aria-controls') ?? '');

  function select(chosen: HTMLButtonElement): void {
    for (const tab of tabs) {
      const selected = tab === chosen;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      const panel = panelOf(tab);
      if (panel !== null) panel.hidden = !selected;
    }
  }

  for (const tab of tabs) {
    tab.addEventListener('click', () => {
      select(tab);
      history.replaceState(null, '', `#${tab.getAttribute('aria-controls') ?? ''}`);
    });
    // Arrow keys move between tabs (the WAI-ARIA tabs pattern).
    tab.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (step === 0) return;
      const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
      next?.focus();
      next?.click();
    });
  }
  const fromHash = tabs.find((tab) => `#${tab.getAttribute('aria-controls') ?? ''}` === location.hash);
  const initial = fromHash ?? tabs[0];
  if (initial !== undefined) select(initial);
}
