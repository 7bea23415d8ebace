import { METHODS } from '../../shared/methods';
import { useApp } from '../store';

export function Header() {
  const method = useApp((s) => s.config.method);
  return (
    <header className="header">
      <div className="header__brand">
        <img className="header__logo" src="/favicon.svg" alt="" width={32} height={32} />
        <div>
          <h1 className="header__title">distill-playground</h1>
          <p className="header__tagline">Distil a dataset into a few synthetic images per class, live, on your own GPU.</p>
        </div>
      </div>
      <p className="header__method">
        Method: <span data-testid="header-method">{METHODS[method].label}</span>
        <span className="header__sep" aria-hidden="true">·</span>
        Runs entirely in your browser
      </p>
    </header>
  );
}
