/*
 * LLoCO for OpenSearch
 * SPDX-License-Identifier: Apache-2.0
 */
import '@elastic/eui/dist/eui_theme_light.css';
import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { App, isTab, TabId } from '../src/App';
import { clusterBase, fetchAdapter } from '../src/http';

/** The page the plugin serves at GET /_plugins/lloco/ui: same origin as the cluster, the tab in the URL hash. */
const http = fetchAdapter(clusterBase(window.location.pathname));

function tabFromHash(): TabId {
  const t = window.location.hash.replace(/^#\/?/, '');
  return isTab(t) ? t : 'ask';
}

function Root() {
  const [tab, setTab] = useState<TabId>(tabFromHash());
  useEffect(() => {
    const on = () => setTab(tabFromHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return (
    <App
      http={http}
      tab={tab}
      onTabChange={(t) => {
        window.location.hash = `#/${t}`;
      }}
      subtitle={`Served by the lloco plugin of ${window.location.host}`}
    />
  );
}

createRoot(document.getElementById('lloco-root')!).render(<Root />);
