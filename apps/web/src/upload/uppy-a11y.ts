/**
 * Uppy's Dashboard renders a single file's tile as `role="listitem"` in a container without
 * `role="list"` (several files get one): axe's critical `aria-required-parent`. Gives that
 * container its role whenever the Dashboard re-renders it.
 */
export function keepTileListRoles(root: HTMLElement): () => void {
  const fix = () => {
    for (const el of root.querySelectorAll('.uppy-Dashboard-files:not([role])')) {
      el.setAttribute('role', 'list')
    }
  }
  fix()
  const observer = new MutationObserver(fix)
  observer.observe(root, { childList: true, subtree: true })
  return () => observer.disconnect()
}
