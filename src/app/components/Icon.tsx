/** Tiny inline icons (decorative: the buttons carry text). */
export function Icon({ name }: { name: 'play' | 'pause' | 'stop' | 'info' }) {
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
      {name === 'info' && (
        <>
          <circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" strokeWidth="1.4" />
          <path d="M8 7v4.2M8 4.6v.3" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
        </>
      )}
    </svg>
  );
}
