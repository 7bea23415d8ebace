import { useState } from 'react';
import { useApp } from '../store';
import { linkFor } from '../lib/url';

/**
 * "Copy link": the whole configuration (and the backend) as a URL; opening it restores every control, and the
 * variant with `run=1` also starts the run. The link is shown too, for browsers that refuse the clipboard.
 */
export function SharePanel() {
  const config = useApp((s) => s.config);
  const backend = useApp((s) => s.backendPreference);
  const [copied, setCopied] = useState<{ link: string; ok: boolean } | null>(null);

  async function copy(run: boolean) {
    const link = linkFor(config, backend, run);
    let ok = false;
    try {
      await navigator.clipboard.writeText(link);
      ok = true;
    } catch {
      // No clipboard permission: the field below shows the link, selected, to copy by hand.
    }
    setCopied({ link, ok });
  }

  return (
    <section className="panel" aria-labelledby="controls-share">
      <h2 className="panel__title" id="controls-share">
        Share
      </h2>
      <p className="field__hint">A link with every setting and the seed: the same link on the same backend gives the same images.</p>
      <div className="button-row">
        <button type="button" className="btn btn--small" data-testid="copy-link" onClick={() => void copy(false)}>
          Copy link
        </button>
        <button type="button" className="btn btn--small btn--ghost" data-testid="copy-run-link" onClick={() => void copy(true)}>
          Copy link that runs
        </button>
      </div>
      {copied && (
        <div className="field">
          <p className="field__hint" role="status" data-testid="copy-status">
            {copied.ok ? 'Copied to the clipboard.' : 'The browser did not allow the clipboard: copy the link below.'}
          </p>
          <input
            className="input"
            readOnly
            value={copied.link}
            aria-label="Link to this configuration"
            data-testid="share-link"
            onFocus={(e) => e.target.select()}
          />
        </div>
      )}
    </section>
  );
}
