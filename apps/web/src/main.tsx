import '@uppy/core/css/style.min.css'
import '@uppy/dashboard/css/style.min.css'
import './styles.css'
import { createRoot } from 'react-dom/client'
import { App } from './components/app.tsx'

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')
createRoot(root).render(<App />)
