import '../shared/zod-setup';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ErrorBoundary } from './ErrorBoundary';
import { formatDateTime } from './lib/format';
import './styles.css';
import './device-hooks';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <ErrorBoundary>
      <App />
    </ErrorBoundary>
  </StrictMode>,
);

// The locale's date data loads on the first date formatted (tens of ms): do it while the page is idle, so that it
// is not part of the first Run click (see formatDateTime).
const idle = (f: () => void) => (typeof requestIdleCallback === 'function' ? requestIdleCallback(f, { timeout: 5000 }) : setTimeout(f, 1000));
idle(() => formatDateTime(Date.now()));
