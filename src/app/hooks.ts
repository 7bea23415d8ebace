import { useCallback, useEffect, useState } from 'react';
import { useApp } from './store';

/** Width of an element's content box, kept current with a ResizeObserver. Returns a callback ref and the width. */
export function useElementWidth<T extends HTMLElement>(): [(el: T | null) => void, number] {
  const [el, setEl] = useState<T | null>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    if (!el) return;
    const measure = () => setWidth(el.clientWidth);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [el]);
  const ref = useCallback((node: T | null) => setEl(node), []);
  return [ref, width];
}

function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  // Buttons, links and form fields handle Space themselves.
  return target.closest('input, select, textarea, button, a[href], summary, [role="button"], [contenteditable]') !== null;
}

/** Space: run / pause / resume (unless focus is in a field or on a button); Escape: stop. */
export function useKeyboardShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === ' ' || e.code === 'Space') {
        if (e.repeat || isTypingTarget(e.target)) return;
        e.preventDefault();
        useApp.getState().toggle();
      } else if (e.key === 'Escape') {
        const s = useApp.getState();
        if (s.runStatus === 'loading' || s.runStatus === 'running' || s.runStatus === 'paused') {
          e.preventDefault();
          void s.stop();
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
