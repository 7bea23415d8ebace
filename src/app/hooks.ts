import { useCallback, useEffect, useState } from 'react';
import { useApp } from './store';

/** Width of an element's content box, kept current with a ResizeObserver. Returns a callback ref and the width. */
export function useElementWidth<T extends HTMLElement>(): [(el: T | null) => void, number] {
  const [el, setEl] = useState<T | null>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    if (!el) return;
    const measure = () => setWidth(el.clientWidth);
    if (typeof ResizeObserver === 'undefined') {
      measure();
      return;
    }
    // The observer's first call comes after the next layout, before paint: reading the width there costs nothing,
    // where reading it here would force a layout of the page inside the render that mounted the element (about 15 ms
    // at a run's start, when the charts mount).
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [el]);
  const ref = useCallback((node: T | null) => setEl(node), []);
  return [ref, width];
}

/** Focus in a field that reads keys itself (typing, arrows in a select). */
function isFieldTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return target.closest('input, select, textarea, [contenteditable]') !== null;
}

/** Focus where Space already means something: a field, or a button, link or summary (Space presses it). */
function isSpaceTarget(target: EventTarget | null): boolean {
  if (isFieldTarget(target)) return true;
  if (!(target instanceof HTMLElement)) return false;
  return target.closest('button, a[href], summary, [role="button"]') !== null;
}

/**
 * The page's shortcuts (listed beside the run buttons): Space run / pause / resume, S or → step one iteration,
 * Escape stop, R reset. None fires while typing in a field; Space also leaves buttons and links alone.
 */
export function useKeyboardShortcuts(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
      const s = useApp.getState();
      if (e.key === ' ' || e.code === 'Space') {
        if (e.repeat || isSpaceTarget(e.target)) return;
        e.preventDefault();
        s.toggle();
        return;
      }
      if (isFieldTarget(e.target)) return;
      if (e.key === 'Escape') {
        if (s.runStatus === 'loading' || s.runStatus === 'running' || s.runStatus === 'paused') {
          e.preventDefault();
          void s.stop();
        }
      } else if (e.key === 's' || e.key === 'S' || e.key === 'ArrowRight') {
        if (e.repeat && e.key !== 'ArrowRight') return;
        e.preventDefault();
        s.step();
      } else if ((e.key === 'r' || e.key === 'R') && !e.repeat && !e.shiftKey) {
        e.preventDefault();
        void s.reset();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
