import { Component, type ErrorInfo, type ReactNode } from 'react';

interface Props {
  children: ReactNode;
}

interface State {
  error: Error | null;
}

/** Keeps the page from going blank: a render error shows what broke and a Reload button. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('distill-playground crashed while rendering', error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="crash" role="alert" data-testid="error-message">
        <div className="crash__box">
          <h1 className="crash__title">Something went wrong</h1>
          <p>The page hit an unexpected error and stopped drawing. Reloading usually fixes it; your settings in the address bar are kept.</p>
          <pre className="crash__detail">{error.message || error.name}</pre>
          <div className="crash__actions">
            <button type="button" className="btn btn--primary" onClick={() => window.location.reload()} autoFocus>
              Reload
            </button>
          </div>
        </div>
      </div>
    );
  }
}
