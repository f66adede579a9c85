export { receiptTitle, renderReceipt, type ReceiptInput } from "./Receipt.js"
