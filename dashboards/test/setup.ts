import '@testing-library/jest-dom';
import { configure } from '@testing-library/react';

// OUI and the pages mark elements with data-test-subj, as OpenSearch Dashboards' tests do
configure({ testIdAttribute: 'data-test-subj' });
