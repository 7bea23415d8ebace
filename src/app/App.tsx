import { useEffect } from 'react';
import { AboutCard } from './components/AboutCard';
import { Controls } from './components/Controls';
import { DatasetCard } from './components/DatasetCard';
import { ErrorBox } from './components/ErrorBox';
import { ComparePanel } from './components/ComparePanel';
import { FaultNotice } from './components/FaultNotice';
import { FilesPanel } from './components/FilesPanel';
import { EvaluatePanel } from './components/EvaluatePanel';
import { Header } from './components/Header';
import { LinkNotice } from './components/LinkNotice';
import { LossPanel } from './components/LossPanel';
import { SavedRuns } from './components/SavedRuns';
import { SelectionPanel } from './components/SelectionPanel';
import { StatusBar } from './components/StatusBar';
import { SyntheticPanel } from './components/SyntheticPanel';
import { TeachingLab } from './components/lab/TeachingLab';
import { useKeyboardShortcuts } from './hooks';
import { useApp } from './store';

export function App() {
  useKeyboardShortcuts();
  useEffect(() => {
    // Load the default dataset (and pick the backend) on first page load.
    void useApp.getState().boot();
  }, []);

  return (
    <div className="app">
      <Header />
      <div className="layout">
        <aside className="sidebar" aria-label="Settings">
          <Controls />
        </aside>
        <main className="main">
          <LinkNotice />
          <ErrorBox />
          <FaultNotice />
          <div className="main-grid">
            <div className="main-grid__col">
              <SyntheticPanel />
              <SelectionPanel />
              <EvaluatePanel />
              <AboutCard />
            </div>
            <div className="main-grid__side">
              <LossPanel />
              <SavedRuns />
              <FilesPanel />
              <DatasetCard />
            </div>
          </div>
          <ComparePanel />
          <TeachingLab />
        </main>
      </div>
      <StatusBar />
    </div>
  );
}
