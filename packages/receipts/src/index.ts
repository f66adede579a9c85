export { renderReceipt, type ReceiptInput } from "./Receipt.js"
