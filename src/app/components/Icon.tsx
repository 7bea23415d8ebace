/** Tiny inline icons (decorative: the buttons carry text). */
export function Icon({ name }: { name: 'play' | 'pause' | 'stop' | 'step' | 'reset' | 'info' }) {
  return (
    <svg className="icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      {name === 'play' && <path d="M4.5 2.8v10.4a.6.6 0 0 0 .9.5l8.1-5.2a.6.6 0 0 0 0-1L5.4 2.3a.6.6 0 0 0-.9.5Z" fill="currentColor" />}
      {name === 'pause' && (
        <>
          <rect x="3.5" y="2.5" width="3" height="11" rx=".7" fill="currentColor" />
          <rect x="9.5" y="2.5" width="3" height="11" rx=".7" fill="currentColor" />
        </>
      )}
      {name === 'stop' && <rect x="3" y="3" width="10" height="10" rx="1.2" fill="currentColor" />}
      {name === 'step' && (
        <>
          <path d="M3 3.2v9.6a.6.6 0 0 0 .9.5l6.9-4.8a.6.6 0 0 0 0-1L3.9 2.7a.6.6 0 0 0-.9.5Z" fill="currentColor" />
          <rect x="11.2" y="2.8" width="2.2" height="10.4" rx=".6" fill="currentColor" />
        </>
      )}
      {name === 'reset' && (
        <path d="M3.2 8a4.8 4.8 0 1 0 1.5-3.5M3.2 2.6v2.6h2.6" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
      )}
      {name === 'info' && (
        <>
          <circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" strokeWidth="1.4" />
          <path d="M8 7v4.2M8 4.6v.3" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
        </>
      )}
    </svg>
  );
}
